using LocalRuntime.Durable.Engine;
using Microsoft.DurableTask.Client;

namespace LocalRuntime.Sqlite;

/// <summary>An instance state ready to bind (key and JSON made on the caller's thread).</summary>
internal sealed class PreparedInstance(InstanceState state)
{
    public InstanceState State { get; } = state;

    public byte[] Key { get; } = InstanceKey.Encode(state.InstanceId);

    public string? Details { get; } = StoredJson.SerializeDetails(state);
}

/// <summary>An activity work item ready to bind.</summary>
internal sealed class PreparedActivity(ActivityWorkItem item)
{
    public ActivityWorkItem Item { get; } = item;

    public byte[] Key { get; } = InstanceKey.Encode(item.InstanceId);
}

/// <summary>A message ready to bind.</summary>
internal sealed class PreparedMessage(OrchestrationMessage message)
{
    public long Id { get; } = message.Id;

    public byte[] Key { get; } = InstanceKey.Encode(message.InstanceId);

    public string? ExecutionId { get; } = message.ExecutionId;

    public long? VisibleAt { get; } = message.VisibleAt is { } at ? StoredJson.ToUtcTicks(at) : null;

    public string Event { get; } = StoredJson.SerializeEvent(message.Event);

    public static PreparedMessage[] All(IReadOnlyList<OrchestrationMessage> messages)
    {
        var prepared = new PreparedMessage[messages.Count];
        for (var i = 0; i < prepared.Length; i++)
        {
            prepared[i] = new PreparedMessage(messages[i]);
        }

        return prepared;
    }
}

/// <summary>
/// One caller's write, queued to the writer loop. <see cref="Apply"/> runs on the writer thread inside
/// the batch transaction (under a savepoint of its own); the caller's task completes only after the
/// transaction commits.
/// </summary>
internal abstract class WriteRequest(CancellationToken cancellation)
{
    public CancellationToken Cancellation { get; } = cancellation;

    /// <summary>The request's own failure (its savepoint was rolled back; the rest of the batch commits).</summary>
    public Exception? Error { get; set; }

    /// <summary>Canceled before its batch started: not applied.</summary>
    public bool Skipped { get; set; }

    public abstract void Apply(SqliteWriter writer);

    public abstract void Succeed();

    public abstract void Fail(Exception exception);

    public abstract void Cancel();
}

/// <summary>A write with a result.</summary>
internal abstract class WriteRequest<T>(CancellationToken cancellation) : WriteRequest(cancellation)
{
    private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<T> Task => _completion.Task;

    protected T Result { get; set; } = default!;

    public override void Succeed() => _completion.TrySetResult(Result);

    public override void Fail(Exception exception) => _completion.TrySetException(exception);

    public override void Cancel() => _completion.TrySetCanceled(Cancellation);
}

internal sealed class CreateInstanceRequest(
    PreparedInstance instance,
    PreparedMessage start,
    IReadOnlyCollection<OrchestrationRuntimeStatus> blocking,
    CancellationToken cancellation) : WriteRequest<Durable.Stores.CreateInstanceResult>(cancellation)
{
    public override void Apply(SqliteWriter writer) => Result = writer.CreateInstance(instance, start, blocking);
}

internal sealed class PurgeRequest(byte[] key, CancellationToken cancellation) : WriteRequest<bool>(cancellation)
{
    public override void Apply(SqliteWriter writer) => Result = writer.RemoveInstance(key);
}

internal sealed class SendMessagesRequest(PreparedMessage[] messages, CancellationToken cancellation) : WriteRequest<bool>(cancellation)
{
    public override void Apply(SqliteWriter writer)
    {
        foreach (var message in messages)
        {
            writer.InsertMessage(message);
        }

        Result = true;
    }
}

internal sealed class DiscardMessagesRequest(long[] ids, CancellationToken cancellation) : WriteRequest<bool>(cancellation)
{
    public override void Apply(SqliteWriter writer)
    {
        foreach (var id in ids)
        {
            writer.DeleteMessage(id);
        }

        Result = true;
    }
}

internal sealed class CheckpointRequest(OrchestrationCheckpoint checkpoint, CancellationToken cancellation) : WriteRequest<bool>(cancellation)
{
    private readonly PreparedInstance _state = new(checkpoint.State);
    private readonly string[] _events = [.. checkpoint.NewEvents.Select(StoredJson.SerializeEvent)];
    private readonly long[] _consumed = [.. checkpoint.ConsumedMessageIds];
    private readonly PreparedMessage[] _outbound = PreparedMessage.All(checkpoint.OutboundMessages);
    private readonly PreparedActivity[] _activities = [.. checkpoint.NewActivities.Select(a => new PreparedActivity(a))];
    private readonly PreparedInstance[] _children = [.. checkpoint.NewInstances.Select(s => new PreparedInstance(s))];

    public override void Apply(SqliteWriter writer)
    {
        writer.Checkpoint(_state, checkpoint.ReplaceHistory, _events, _consumed, _children, _outbound, _activities);
        Result = true;
    }
}

internal sealed class CompleteActivityRequest(long workItemId, PreparedMessage result, CancellationToken cancellation) : WriteRequest<bool>(cancellation)
{
    public override void Apply(SqliteWriter writer) => Result = writer.CompleteActivity(workItemId, result);
}

internal sealed class LoadPendingWorkRequest(CancellationToken cancellation) : WriteRequest<Durable.Stores.PendingWork>(cancellation)
{
    public override void Apply(SqliteWriter writer) => Result = writer.LoadPendingWork();
}
