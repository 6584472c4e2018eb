using ServerlessTasks.Domain.Model;
using ServerlessTasks.Domain.Scheduling;

namespace ServerlessTasks.Domain.Workers;

/// <summary>What the priority policy needs of a queued task.</summary>
/// <param name="TaskId">The task id.</param>
/// <param name="TaskType">Its type.</param>
/// <param name="Priority">Its priority 1-10.</param>
/// <param name="Deadline">Its deadline, if any.</param>
/// <param name="EnqueuedAt">When it was queued (ready since).</param>
/// <param name="Sequence">Queue order (ties go to the earlier).</param>
public readonly record struct QueuedTask(string TaskId, string TaskType, int Priority, DateTimeOffset? Deadline, DateTimeOffset EnqueuedAt, long Sequence);

/// <summary>
/// Orders the work queue of external tasks by the effective priority of <see cref="Scheduling"/>'s policies, across
/// workflows: a lane and an in-lane order fixed at enqueue (so a store keeps one ordered index per lane and reads only
/// lane heads), and the policy's evaluation at lease time over those heads.
/// </summary>
public static class LeaseSelector
{
    /// <summary>The lane and the in-lane order of a task being queued.</summary>
    public static (int Lane, PriorityKey Order) Place(IPriorityPolicy policy, in QueuedTask task)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var context = ContextOf(task, task.EnqueuedAt);
        return (policy.GetLane(context), policy.GetLaneOrder(context));
    }

    /// <summary>
    /// The best <paramref name="max"/> of <paramref name="candidates"/> (each lane's heads, in lane order) at
    /// <paramref name="now"/>: highest effective priority first, ties in queue order.
    /// </summary>
    public static IReadOnlyList<T> Select<T>(IPriorityPolicy policy, IEnumerable<T> candidates, Func<T, QueuedTask> describe, DateTimeOffset now, int max)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentNullException.ThrowIfNull(describe);
        if (max <= 0)
        {
            return [];
        }

        return [.. candidates
            .Select(c => (Item: c, Task: describe(c)))
            .Select(c => (c.Item, c.Task.Sequence, Key: policy.Evaluate(ContextOf(c.Task, now))))
            .OrderByDescending(c => c.Key)
            .ThenBy(c => c.Sequence)
            .Take(max)
            .Select(c => c.Item)];
    }

    /// <summary>
    /// The policy ordering the queue by default: priority with aging by waiting time (one level per
    /// <paramref name="agingStep"/>), so a task of priority p waits at most (10 - p) x step before it ties the top level.
    /// </summary>
    public static IPriorityPolicy DefaultPolicy(TimeSpan agingStep) => new StrictPriorityWithAgingPolicy(dispatchesPerStep: null, timePerStep: agingStep);

    private static ReadyTaskContext ContextOf(in QueuedTask task, DateTimeOffset now) => new(
        new TaskSpec(task.TaskId, task.TaskType, Priority: task.Priority, Deadline: task.Deadline),
        task.EnqueuedAt,
        now,
        task.Sequence,
        DispatchesWaited: 0,
        EstimatedDuration: TimeSpan.Zero,
        RemainingCriticalPath: TimeSpan.Zero,
        EffectiveDeadline: task.Deadline);
}
