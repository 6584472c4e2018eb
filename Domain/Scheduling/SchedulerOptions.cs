using ServerlessTasks.Domain.Model;

namespace ServerlessTasks.Domain.Scheduling;

/// <summary>Settings of one <see cref="DagScheduler"/>.</summary>
public sealed record SchedulerOptions
{
    /// <summary>Most tasks running at once (a sliding window); null means unbounded.</summary>
    public int? MaxParallelism
    {
        get;
        init => field = value is null or >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "Must be at least 1 or null.");
    }

    /// <summary>The workflow deadline; it applies to every task and flows into effective deadlines.</summary>
    public DateTimeOffset? WorkflowDeadline { get; init; }

    /// <summary>Estimated duration of a task, for critical paths and slack; one second each when null.</summary>
    public Func<TaskSpec, TimeSpan>? DurationEstimate { get; init; }

    /// <summary>
    /// When true (default), a ready task whose own or workflow deadline has passed when it would be dispatched
    /// fails with <see cref="FailureReasons.DeadlineExceeded"/> instead of running, and its dependents are skipped.
    /// </summary>
    public bool FailOverdueTasks { get; init; } = true;

    /// <summary>When true (default), every state change is recorded for <see cref="DagScheduler.DrainTransitions"/>.</summary>
    public bool RecordTransitions { get; init; } = true;
}
