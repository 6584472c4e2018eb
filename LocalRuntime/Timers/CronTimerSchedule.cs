using NCrontab;

namespace LocalRuntime.Timers;

/// <summary>An NCRONTAB schedule in a time zone: occurrences are wall-clock times of that zone.</summary>
/// <remarks>
/// A time skipped by a daylight saving jump does not occur; a repeated hour is taken at its first offset
/// (the zone's offset for an ambiguous time is its standard one, so later duplicates are skipped).
/// </remarks>
public sealed class CronTimerSchedule : TimerSchedule
{
    private readonly CrontabSchedule _cron;

    internal CronTimerSchedule(CrontabSchedule cron, string expression, TimeZoneInfo timeZone)
    {
        _cron = cron;
        Expression = expression;
        TimeZone = timeZone;
    }

    /// <summary>The expression.</summary>
    public string Expression { get; }

    /// <summary>The zone occurrences are evaluated in.</summary>
    public TimeZoneInfo TimeZone { get; }

    /// <inheritdoc />
    public override bool AdjustForDst => true;

    /// <inheritdoc />
    public override bool IsInterval => false;

    /// <inheritdoc />
    public override DateTimeOffset? GetNextOccurrence(DateTimeOffset after)
    {
        var local = DateTime.SpecifyKind(TimeZoneInfo.ConvertTime(after, TimeZone).DateTime, DateTimeKind.Unspecified);
        for (var guard = 0; guard < 10_000; guard++)
        {
            var next = _cron.GetNextOccurrence(local, DateTime.MaxValue);
            if (next == DateTime.MaxValue)
            {
                return null;
            }

            local = next;
            if (TimeZone.IsInvalidTime(next))
            {
                continue;
            }

            var occurrence = new DateTimeOffset(next, TimeZone.GetUtcOffset(next));
            if (occurrence > after)
            {
                return occurrence;
            }
        }

        return null;
    }

    /// <inheritdoc />
    public override string ToString() => Expression;
}
