using ServerlessTasks.Domain.Model;

namespace ServerlessTasks.Domain.Scheduling;

/// <summary>Everything a priority policy may look at for one ready task, at one instant.</summary>
/// <param name="Task">The task's spec.</param>
/// <param name="ReadySince">When the task became ready.</param>
/// <param name="Now">The instant of the decision (passed in; the scheduler reads no clock).</param>
/// <param name="ReadySequence">Order in which tasks became ready (0, 1, 2, ...).</param>
/// <param name="DispatchesWaited">Dispatches of other tasks since this one became ready.</param>
/// <param name="EstimatedDuration">The task's own estimated duration.</param>
/// <param name="RemainingCriticalPath">Longest estimated chain from this task (included) to a sink.</param>
/// <param name="EffectiveDeadline">Latest finish that keeps every downstream deadline (see <see cref="Dag.DeadlinePlanner"/>).</param>
public readonly record struct ReadyTaskContext(
    TaskSpec Task,
    DateTimeOffset ReadySince,
    DateTimeOffset Now,
    long ReadySequence,
    long DispatchesWaited,
    TimeSpan EstimatedDuration,
    TimeSpan RemainingCriticalPath,
    DateTimeOffset? EffectiveDeadline)
{
    /// <summary>How long the task has been ready.</summary>
    public TimeSpan Waited => Now - ReadySince;

    /// <summary>
    /// Effective deadline - now - own estimate; with only a workflow deadline this is
    /// deadline - now - remaining critical path. Null without a deadline; negative when already late.
    /// </summary>
    public TimeSpan? Slack => EffectiveDeadline is { } deadline ? deadline - Now - EstimatedDuration : null;
}
