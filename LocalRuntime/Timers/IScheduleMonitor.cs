namespace LocalRuntime.Timers;

/// <summary>Keeps timers' schedule status across restarts (the Timer extension's <c>ScheduleMonitor</c>).</summary>
public interface IScheduleMonitor
{
    /// <summary>The recorded status of a timer; null when none has been recorded.</summary>
    Task<ScheduleStatus?> GetStatusAsync(string timerName, CancellationToken cancellation = default);

    /// <summary>Records a timer's status.</summary>
    Task UpdateStatusAsync(string timerName, ScheduleStatus status, CancellationToken cancellation = default);
}
