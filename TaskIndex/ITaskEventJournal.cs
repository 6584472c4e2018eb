using ServerlessTasks.Domain.Clock;

namespace ServerlessTasks.TaskIndex;

/// <summary>
/// The append-only journal of task events, kept next to the task index (same store, same provider switch),
/// and the persisted high-water marks of the nodes' hybrid logical clocks.
/// </summary>
public interface ITaskEventJournal
{
    /// <summary>Raised after events were appended, so live readers wake without waiting for their next poll.</summary>
    event Action? Appended;

    /// <summary>
    /// Appends events atomically; an event whose (workflow, task, kind, attempt) is already present is ignored.
    /// When <paramref name="highWaterMark"/> is given it is stored (never lowered) as its node's mark in the same transaction.
    /// </summary>
    Task AppendAsync(IReadOnlyList<TaskEvent> events, HlcTimestamp? highWaterMark = null, CancellationToken cancellation = default);

    /// <summary>A workflow's events in HLC order.</summary>
    Task<IReadOnlyList<TaskEvent>> ListWorkflowEventsAsync(string workflowId, CancellationToken cancellation = default);

    /// <summary>One task's events in HLC order.</summary>
    Task<IReadOnlyList<TaskEvent>> ListTaskEventsAsync(string workflowId, string taskId, CancellationToken cancellation = default);

    /// <summary>
    /// Events with a stamp strictly after <paramref name="after"/> (all when null) and not after <paramref name="upTo"/>
    /// (no bound when null), optionally of one workflow, in HLC order, at most <paramref name="limit"/>.
    /// </summary>
    Task<IReadOnlyList<TaskEvent>> ReadAfterAsync(HlcTimestamp? after, HlcTimestamp? upTo, string? workflowId, int limit, CancellationToken cancellation = default);

    /// <summary>The largest stamp known to the store: every stored mark and every journaled event; null when empty.</summary>
    Task<HlcTimestamp?> GetHighWaterMarkAsync(CancellationToken cancellation = default);
}
