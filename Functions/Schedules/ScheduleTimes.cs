using System.Globalization;
using NCrontab;

namespace ServerlessTasks.Functions.Schedules;

/// <summary>
/// When a schedule fires: the first cron occurrence (read in the schedule's time zone) strictly after a time, or its
/// single <c>run_at</c>. Also the checks of <c>cron</c>, <c>run_at</c>, <c>time_zone</c>, naming the field.
/// </summary>
public static class ScheduleTimes
{
    /// <summary>The first firing strictly after <paramref name="after"/>, or null when none is left.</summary>
    public static DateTimeOffset? Next(ScheduleSpec spec, DateTimeOffset after)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.RunAt is { } runAt)
        {
            return runAt > after ? runAt.ToUniversalTime() : null;
        }

        var cron = CrontabSchedule.Parse(spec.Cron ?? throw new ArgumentException("A schedule needs cron or run_at.", nameof(spec)), new CrontabSchedule.ParseOptions { IncludingSeconds = true });
        var zone = Zone(spec.TimeZone);
        // NCrontab works on clock times without an offset: look in the zone's local time, convert the answer back.
        // A local time skipped by a daylight-saving change is taken at the same offset as before the change.
        var local = TimeZoneInfo.ConvertTime(after, zone).DateTime;
        var next = cron.GetNextOccurrence(local);
        var offset = zone.IsInvalidTime(next) ? zone.GetUtcOffset(next.AddHours(-3)) : zone.GetUtcOffset(next);
        return new DateTimeOffset(next, offset).ToUniversalTime();
    }

    /// <summary>The problem with the schedule's timing fields (naming the field), or null when valid.</summary>
    public static string? Problem(ScheduleSpec spec, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if ((spec.Cron is null) == (spec.RunAt is null))
        {
            return "Exactly one of 'cron' and 'run_at' is required.";
        }

        if (spec.TimeZone is { } zone && !TryZone(zone, out _))
        {
            return string.Create(CultureInfo.InvariantCulture, $"Field 'time_zone' is not a known time zone id (got \"{zone}\"); use an IANA id such as \"Europe/Paris\" or \"UTC\".");
        }

        if (spec.Cron is { } cron && CrontabSchedule.TryParse(cron, new CrontabSchedule.ParseOptions { IncludingSeconds = true }) is null)
        {
            return string.Create(CultureInfo.InvariantCulture, $"Field 'cron' must be six-field NCRONTAB '{{second}} {{minute}} {{hour}} {{day}} {{month}} {{day-of-week}}', e.g. \"0 */5 * * * *\" (got \"{cron}\").");
        }

        if (spec.RunAt is { } runAt && runAt <= now)
        {
            return "Field 'run_at' must be in the future.";
        }

        return null;
    }

    private static TimeZoneInfo Zone(string? id) => id is null ? TimeZoneInfo.Utc : TryZone(id, out var zone) ? zone : TimeZoneInfo.Utc;

    private static bool TryZone(string id, out TimeZoneInfo zone)
    {
        if (TimeZoneInfo.TryFindSystemTimeZoneById(id, out var found))
        {
            zone = found;
            return true;
        }

        zone = TimeZoneInfo.Utc;
        return false;
    }
}
