using System.Globalization;

namespace LocalRuntime.Timers;

/// <summary>A fixed interval (<c>hh:mm:ss</c>): each occurrence that long after the time it is computed from.</summary>
/// <param name="interval">The interval (positive).</param>
public sealed class IntervalTimerSchedule(TimeSpan interval) : TimerSchedule
{
    /// <summary>The interval.</summary>
    public TimeSpan Interval { get; } = interval;

    /// <inheritdoc />
    public override bool AdjustForDst => false;

    /// <inheritdoc />
    public override bool IsInterval => true;

    /// <inheritdoc />
    public override DateTimeOffset? GetNextOccurrence(DateTimeOffset after) => after + Interval;

    /// <inheritdoc />
    public override string ToString() => Interval.ToString("c", CultureInfo.InvariantCulture);
}
