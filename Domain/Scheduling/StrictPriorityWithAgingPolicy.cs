using ServerlessTasks.Domain.Validation;

namespace ServerlessTasks.Domain.Scheduling;

/// <summary>
/// Highest priority first, with aging: a ready task gains one priority level per
/// <see cref="DispatchesPerStep"/> dispatches it is passed over (and, optionally, per
/// <see cref="TimePerStep"/> it waits), up to the top level 10. Equal effective priorities go in the order
/// tasks became ready, so an aged task beats every task that became ready after it.
/// </summary>
/// <remarks>
/// <para><b>Starvation bound.</b> A task of priority p is passed over by tasks that became ready after it at
/// most <c>(10 - p) × DispatchesPerStep</c> times (<see cref="MaxPassOvers"/>): after that many dispatches
/// its effective priority is 10, and it wins every tie against later tasks. With
/// <see cref="TimePerStep"/> set it also waits at most <c>(10 - p) × TimePerStep</c> before that holds
/// (<see cref="MaxAgingTime"/>). With both null this is plain strict priority (FIFO within a level).</para>
/// </remarks>
public sealed class StrictPriorityWithAgingPolicy : IPriorityPolicy
{
    /// <summary>Creates the policy.</summary>
    /// <param name="dispatchesPerStep">Dispatches passed over per gained level (default 4); null disables dispatch aging.</param>
    /// <param name="timePerStep">Waiting time per gained level; null (default) disables time aging.</param>
    public StrictPriorityWithAgingPolicy(int? dispatchesPerStep = 4, TimeSpan? timePerStep = null)
    {
        if (dispatchesPerStep is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(dispatchesPerStep), dispatchesPerStep, "Must be at least 1 or null.");
        }

        if (timePerStep is { } step && step <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(timePerStep), timePerStep, "Must be positive or null.");
        }

        DispatchesPerStep = dispatchesPerStep;
        TimePerStep = timePerStep;
    }

    /// <summary>Plain strict priority: no aging.</summary>
    public static StrictPriorityWithAgingPolicy StrictOnly { get; } = new(null, null);

    /// <summary>Dispatches passed over per gained priority level; null when dispatch aging is off.</summary>
    public int? DispatchesPerStep { get; }

    /// <summary>Waiting time per gained priority level; null when time aging is off.</summary>
    public TimeSpan? TimePerStep { get; }

    /// <inheritdoc />
    public string Name => DispatchesPerStep is null && TimePerStep is null ? "strict_priority" : "strict_priority_aging";

    /// <summary>
    /// Most times a ready task of <paramref name="priority"/> can be passed over by tasks that became ready
    /// after it; null when dispatch aging is off (unbounded).
    /// </summary>
    /// <param name="priority">Base priority 1-10.</param>
    public long? MaxPassOvers(int priority) =>
        DispatchesPerStep is { } step ? (long)(PriorityRange.Max - Clamp(priority)) * step : null;

    /// <summary>Longest a task of <paramref name="priority"/> waits before it reaches the top level by time alone.</summary>
    /// <param name="priority">Base priority 1-10.</param>
    public TimeSpan? MaxAgingTime(int priority) => TimePerStep * (PriorityRange.Max - Clamp(priority));

    /// <inheritdoc />
    public int GetLane(in ReadyTaskContext context) => Clamp(context.Task.Priority);

    /// <inheritdoc />
    public PriorityKey GetLaneOrder(in ReadyTaskContext context) => default; // FIFO within a priority level.

    /// <inheritdoc />
    public PriorityKey Evaluate(in ReadyTaskContext context)
    {
        var levels = 0L;
        if (DispatchesPerStep is { } step)
        {
            levels += context.DispatchesWaited / step;
        }

        if (TimePerStep is { } time && context.Waited > TimeSpan.Zero)
        {
            levels += context.Waited.Ticks / time.Ticks;
        }

        var effective = Math.Min(PriorityRange.Max, Clamp(context.Task.Priority) + levels);
        return new PriorityKey(0, effective);
    }

    private static int Clamp(int priority) => Math.Clamp(priority, PriorityRange.Min, PriorityRange.Max);
}
