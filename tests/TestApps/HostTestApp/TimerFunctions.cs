using Microsoft.Azure.Functions.Worker;

namespace HostTestApp;

/// <summary>Timer triggers for LocalRuntime.Timers' end-to-end tests (driven by a fake clock: the schedules never fire in real use of this app).</summary>
public static class TimerFunctions
{
    /// <summary>Once a year; reports what the worker bound from the TimerInfo the host sent.</summary>
    [Function(nameof(YearlyTick))]
    [QueueOutput("e2e-timer-ticks")]
    public static string YearlyTick([TimerTrigger("0 0 0 1 1 *")] TimerInfo timer)
    {
        ArgumentNullException.ThrowIfNull(timer);
        var status = timer.ScheduleStatus;
        return status is null
            ? $"pastDue={timer.IsPastDue};status=null"
            : $"pastDue={timer.IsPastDue};last={status.Last.ToUniversalTime():O};next={status.Next.ToUniversalTime():O};updated={status.LastUpdated.ToUniversalTime():O}";
    }
}
