namespace ServerlessTasks.Domain.Scheduling;

/// <summary>One state change of one task, as recorded by <see cref="DagScheduler"/>.</summary>
/// <param name="TaskId">The task.</param>
/// <param name="From">State before.</param>
/// <param name="To">State after.</param>
/// <param name="At">The instant passed in with the call that caused it.</param>
/// <param name="Reason">Why (error text, <see cref="FailureReasons"/> code), or null.</param>
/// <param name="CauseTaskId">For skips, the failed ancestor; otherwise null.</param>
public sealed record TaskTransition(
    string TaskId,
    TaskRunState From,
    TaskRunState To,
    DateTimeOffset At,
    string? Reason = null,
    string? CauseTaskId = null);
