namespace LocalRuntime.Timers;

/// <summary>
/// A timer's recorded schedule status, as the Timer extension's schedule monitor keeps it: the last occurrence it ran
/// for, the next one expected, and when the record was last computed (both used to notice a changed schedule).
/// </summary>
/// <param name="Last">The last occurrence run (<see cref="Never"/> before the first).</param>
/// <param name="Next">The next occurrence expected.</param>
/// <param name="LastUpdated">When <see cref="Next"/> was last computed (<see cref="Never"/> when unknown).</param>
public sealed record ScheduleStatus(DateTimeOffset Last, DateTimeOffset Next, DateTimeOffset LastUpdated)
{
    /// <summary>"Not yet": the default date the extension records.</summary>
    public static readonly DateTimeOffset Never = DateTimeOffset.MinValue;
}
