using ServerlessTasks.TaskIndex;

namespace ServerlessTasks.Activities.Events;

/// <summary>
/// Reacts to journaled task events (metrics, callbacks, ...). Called by the index activity after the events are
/// stored, never by orchestrators, so a slow handler delays only that activity. At least once: a batch delivered
/// again is handed over again, so handlers must be idempotent by the event's identity. A handler that throws is
/// logged and does not fail the batch; work that must not be lost belongs in its own durable process.
/// </summary>
public interface ITaskEventHandler
{
    /// <summary>Handles events newly written (in HLC order).</summary>
    Task HandleAsync(IReadOnlyList<TaskEvent> events, CancellationToken cancellation);
}
