using DurableTask.Core;
using Microsoft.Data.Sqlite;

namespace LocalRuntime.Sqlite.Storage;

/// <summary>Conversions between instance rows and DTFx's <see cref="OrchestrationState"/>.</summary>
internal static class Rows
{
    /// <summary>Reads a row selected with <see cref="SqliteSchema.StateSelect"/>.</summary>
    public static OrchestrationState ReadState(SqliteDataReader reader)
    {
        var instanceId = reader.GetString(0);
        return new OrchestrationState
        {
            OrchestrationInstance = new OrchestrationInstance { InstanceId = instanceId, ExecutionId = reader.GetString(1) },
            Name = reader.GetString(2),
            Version = reader.IsDBNull(3) ? string.Empty : reader.GetString(3),
            OrchestrationStatus = (OrchestrationStatus)reader.GetInt32(4),
            CreatedTime = DataJson.FromTicks(reader.GetInt64(5)),
            LastUpdatedTime = DataJson.FromTicks(reader.GetInt64(6)),
            CompletedTime = reader.IsDBNull(7) ? DateTime.MaxValue : DataJson.FromTicks(reader.GetInt64(7)),
            ScheduledStartTime = reader.IsDBNull(8) ? null : DataJson.FromTicks(reader.GetInt64(8)),
            Generation = reader.GetInt32(9),
            Output = reader.IsDBNull(10) ? null : reader.GetString(10),
            Status = reader.IsDBNull(11) ? null : reader.GetString(11),
            FailureDetails = reader.IsDBNull(12) ? null : DataJson.DeserializeOrNull<FailureDetails>(reader.GetString(12)),
            Tags = reader.IsDBNull(13) ? null : DataJson.DeserializeOrNull<Dictionary<string, string>>(reader.GetString(13)),
            ParentInstance = reader.IsDBNull(14) ? null : DataJson.DeserializeOrNull<ParentInstance>(reader.GetString(14)),
            Input = reader.IsDBNull(15) ? null : reader.GetString(15),
        };
    }
}
