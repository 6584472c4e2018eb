using System.Globalization;
using NCrontab;

namespace LocalRuntime.Timers;

/// <summary>
/// A timer trigger's schedule as the Timer extension reads it: an NCRONTAB expression (six fields with seconds,
/// or five without) evaluated in a time zone, else a <see cref="TimeSpan"/> interval (<c>hh:mm:ss</c>).
/// </summary>
public abstract class TimerSchedule
{
    /// <summary>Whether the schedule fires at wall-clock times that follow daylight saving changes (cron schedules do).</summary>
    public abstract bool AdjustForDst { get; }

    /// <summary>Whether this is a fixed interval rather than points in time.</summary>
    public abstract bool IsInterval { get; }

    /// <summary>The first occurrence strictly after <paramref name="after"/>; null when it never fires again.</summary>
    public abstract DateTimeOffset? GetNextOccurrence(DateTimeOffset after);

    /// <summary>Parses a schedule; throws <see cref="FormatException"/> when it is neither NCRONTAB nor a positive interval.</summary>
    public static TimerSchedule Parse(string expression, TimeZoneInfo timeZone)
    {
        ArgumentNullException.ThrowIfNull(expression);
        ArgumentNullException.ThrowIfNull(timeZone);
        var fields = expression.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        if (fields is 5 or 6)
        {
            var cron = CrontabSchedule.TryParse(expression, new CrontabSchedule.ParseOptions { IncludingSeconds = fields == 6 });
            if (cron is not null)
            {
                return new CronTimerSchedule(cron, expression, timeZone);
            }
        }
        else if (TimeSpan.TryParse(expression, CultureInfo.InvariantCulture, out var interval))
        {
            return interval > TimeSpan.Zero
                ? new IntervalTimerSchedule(interval)
                : throw new FormatException($"The schedule interval '{expression}' must be positive.");
        }

        throw new FormatException($"The schedule expression '{expression}' was not recognized as a valid cron expression (NCRONTAB, six fields with seconds) or timespan string.");
    }
}
