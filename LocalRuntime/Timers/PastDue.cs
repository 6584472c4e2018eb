namespace LocalRuntime.Timers;

/// <summary>The extension's start-up check: did an occurrence pass while the host was down?</summary>
public static class PastDue
{
    /// <summary>
    /// Checks <paramref name="last"/> against <paramref name="schedule"/> at <paramref name="now"/>, recording a first
    /// status for a new timer and a recomputed one when the schedule changed (a changed schedule whose next occurrence
    /// already passed is recomputed from now, so it does not count as past due).
    /// </summary>
    /// <returns>How far past due the timer is (zero when it is not), and the status now in effect.</returns>
    public static async Task<(TimeSpan PastDue, ScheduleStatus Status)> CheckAsync(
        IScheduleMonitor monitor, string timerName, DateTimeOffset now, TimerSchedule schedule, ScheduleStatus? last, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(monitor);
        ArgumentNullException.ThrowIfNull(schedule);
        ScheduleStatus status;
        if (last is null)
        {
            status = new ScheduleStatus(ScheduleStatus.Never, Next(schedule, now), now);
            await monitor.UpdateStatusAsync(timerName, status, cancellation).ConfigureAwait(false);
        }
        else
        {
            var basis = last.Last != ScheduleStatus.Never ? last.Last : last.LastUpdated != ScheduleStatus.Never ? last.LastUpdated : now;
            var expected = Next(schedule, basis);
            status = last;
            if (last.Next != expected)
            {
                if (now > expected)
                {
                    basis = now;
                    expected = Next(schedule, now);
                }

                status = new ScheduleStatus(ScheduleStatus.Never, expected, basis);
                await monitor.UpdateStatusAsync(timerName, status, cancellation).ConfigureAwait(false);
            }
        }

        return (now > status.Next ? now - status.Next : TimeSpan.Zero, status);
    }

    internal static DateTimeOffset Next(TimerSchedule schedule, DateTimeOffset after) => schedule.GetNextOccurrence(after) ?? DateTimeOffset.MaxValue;
}
