using ServerlessTasks.Domain.Validation;

namespace ServerlessTasks.Domain.Scheduling;

/// <summary>
/// Earliest effective deadline first. Tasks with a deadline (their own, the workflow's, or one inherited
/// from a dependent, see <see cref="Dag.DeadlinePlanner"/>) go before tasks without; among them the earliest
/// effective deadline wins, then the higher priority. Tasks without a deadline go by priority.
/// </summary>
/// <remarks>
/// <para>The effective deadline of a task is the workflow deadline minus the remaining critical path of its
/// dependents, so "least slack = deadline - now - remaining critical path" and "earliest effective
/// deadline" agree for tasks of equal estimate. Where estimates differ we order by effective deadline,
/// not by slack: with one worker, deadline order meets every deadline that any order can meet
/// (Jackson's rule, extended to precedence by modified deadlines), while least-slack order does not
/// (task A: 9 s, due at 10 s; task B: 1 s, due at 5 s — least slack runs A first and B misses).</para>
/// <para><see cref="Evaluate"/> reports the negated seconds to the effective deadline as the score, at
/// millisecond resolution.</para>
/// </remarks>
public sealed class EarliestDeadlineFirstPolicy : IPriorityPolicy
{
    private const int NoDeadlineLane = 0;
    private const int DeadlineLane = 1;

    /// <inheritdoc />
    public string Name => "earliest_deadline_first";

    /// <inheritdoc />
    public int GetLane(in ReadyTaskContext context) => context.EffectiveDeadline is null ? NoDeadlineLane : DeadlineLane;

    /// <inheritdoc />
    public PriorityKey GetLaneOrder(in ReadyTaskContext context) => context.EffectiveDeadline is { } deadline
        ? new PriorityKey(0, -deadline.ToUnixTimeMilliseconds(), Priority(context))
        : new PriorityKey(0, Priority(context));

    /// <inheritdoc />
    public PriorityKey Evaluate(in ReadyTaskContext context)
    {
        if (context.EffectiveDeadline is { } deadline)
        {
            var millisecondsLeft = deadline.ToUnixTimeMilliseconds() - context.Now.ToUnixTimeMilliseconds();
            return new PriorityKey(DeadlineLane, -millisecondsLeft / 1000.0, Priority(context));
        }

        return new PriorityKey(NoDeadlineLane, Priority(context));
    }

    private static int Priority(in ReadyTaskContext context) =>
        Math.Clamp(context.Task.Priority, PriorityRange.Min, PriorityRange.Max);
}
