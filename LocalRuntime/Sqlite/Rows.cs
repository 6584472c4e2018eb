using LocalRuntime.Durable.Engine;
using Microsoft.Data.Sqlite;
using Microsoft.DurableTask.Client;

namespace LocalRuntime.Sqlite;

/// <summary>Reading rows into engine types (the column lists match <see cref="SqliteSchema"/>).</summary>
internal static class Rows
{
    /// <summary>Reads an instance selected with <see cref="SqliteSchema.InstanceColumns"/>.</summary>
    public static InstanceState ReadInstance(SqliteDataReader r)
    {
        var details = StoredJson.DeserializeDetails(r.IsDBNull(10) ? null : r.GetString(10));
        return new InstanceState
        {
            InstanceId = InstanceKey.Decode((byte[])r.GetValue(0)),
            Name = r.GetString(1),
            ExecutionId = r.GetString(2),
            Status = (OrchestrationRuntimeStatus)r.GetInt32(3),
            CreatedAt = StoredJson.FromUtcTicks(r.GetInt64(4)),
            LastUpdatedAt = StoredJson.FromUtcTicks(r.GetInt64(5)),
            ParentInstanceId = NullableString(r, 6),
            Input = NullableString(r, 7),
            Output = NullableString(r, 8),
            CustomStatus = NullableString(r, 9),
            Failure = StoredJson.FromStored(details?.Failure),
            Tags = details?.Tags,
        };
    }

    /// <summary>Reads a message selected as <c>id, instance_key, execution_id, visible_at, event</c>.</summary>
    public static OrchestrationMessage ReadMessage(SqliteDataReader r) => new()
    {
        Id = r.GetInt64(0),
        InstanceId = InstanceKey.Decode((byte[])r.GetValue(1)),
        ExecutionId = NullableString(r, 2),
        VisibleAt = r.IsDBNull(3) ? null : StoredJson.FromUtcTicks(r.GetInt64(3)),
        Event = StoredJson.DeserializeEvent(r.GetString(4)),
    };

    /// <summary>Reads an activity selected as <c>id, instance_key, execution_id, task_id, name, input, dequeue_count</c>.</summary>
    public static ActivityWorkItem ReadActivity(SqliteDataReader r) => new()
    {
        Id = r.GetInt64(0),
        InstanceId = InstanceKey.Decode((byte[])r.GetValue(1)),
        ExecutionId = r.GetString(2),
        TaskId = r.GetInt32(3),
        Name = r.GetString(4),
        Input = NullableString(r, 5),
        DequeueCount = r.GetInt32(6),
    };

    public static bool IsTerminal(OrchestrationRuntimeStatus status) => status is OrchestrationRuntimeStatus.Completed
        or OrchestrationRuntimeStatus.Failed or OrchestrationRuntimeStatus.Terminated or OrchestrationRuntimeStatus.Canceled;

    private static string? NullableString(SqliteDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : r.GetString(ordinal);
}
