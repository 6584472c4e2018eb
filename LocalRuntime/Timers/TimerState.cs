namespace LocalRuntime.Timers;

/// <summary>What one timer listener is doing, for diagnostics and for tests that drive a fake clock.</summary>
/// <param name="Function">The function.</param>
/// <param name="Schedule">The resolved schedule.</param>
/// <param name="ArmedFor">The occurrence it waits for; null while an invocation runs, before it starts or after it stops.</param>
/// <param name="Invocations">Invocations completed so far.</param>
/// <param name="Status">The schedule status in effect.</param>
public sealed record TimerState(string Function, TimerSchedule Schedule, DateTimeOffset? ArmedFor, long Invocations, ScheduleStatus? Status);
