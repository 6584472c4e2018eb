using ServerlessTasks.Domain.Clock;

namespace ServerlessTasks.TaskIndex;

/// <summary>
/// One entry of the append-only event journal. Identified by (workflow, task, kind, attempt), so a batch
/// delivered twice appends nothing the second time; ordered by its hybrid logical clock stamp.
/// </summary>
public sealed record TaskEvent
{
    /// <summary>The orchestration (workflow id, or <c>task:{task_id}</c> for a single task).</summary>
    public required string WorkflowId { get; init; }

    /// <summary>The task; null for events of the whole submission.</summary>
    public string? TaskId { get; init; }

    /// <summary>What happened.</summary>
    public required TaskEventKind Kind { get; init; }

    /// <summary>The HLC stamp: every event that causally precedes this one has a smaller stamp.</summary>
    public required HlcTimestamp Hlc { get; init; }

    /// <summary>Wall-clock time of the node that stamped it (informational; order by <see cref="Hlc"/>).</summary>
    public DateTimeOffset At { get; init; }

    /// <summary>The attempt it belongs to (0 when not attempt-specific).</summary>
    public int Attempt { get; init; }

    /// <summary>Details: the error of a failure or retry, the reason of a skip or cancel, ...</summary>
    public string? Detail { get; init; }

    /// <summary>Journal order: by stamp (packed value, then node), then by identity for equal stamps.</summary>
    public static int CompareByHlc(TaskEvent? x, TaskEvent? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }

        if (x is null || y is null)
        {
            return x is null ? -1 : 1;
        }

        var byStamp = x.Hlc.CompareTo(y.Hlc);
        if (byStamp != 0)
        {
            return byStamp;
        }

        var byWorkflow = string.CompareOrdinal(x.WorkflowId, y.WorkflowId);
        if (byWorkflow != 0)
        {
            return byWorkflow;
        }

        var byTask = string.CompareOrdinal(x.TaskId, y.TaskId);
        return byTask != 0 ? byTask : x.Kind != y.Kind ? x.Kind.CompareTo(y.Kind) : x.Attempt.CompareTo(y.Attempt);
    }
}
