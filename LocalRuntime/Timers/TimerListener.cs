using LocalRuntime.Functions.Extensibility;
using LocalRuntime.Functions.Rpc;
using Microsoft.Extensions.Logging;

namespace LocalRuntime.Timers;

/// <summary>
/// Runs one timer-triggered function as the Timer extension's listener does, on the host's <see cref="TimeProvider"/>:
/// at start it checks the recorded status (useMonitor) and runs at once when an occurrence passed while the host was
/// down (<c>IsPastDue</c>), else once if <c>runOnStartup</c>; then it waits for each next occurrence. One run at a time:
/// the next occurrence is computed after a run, so occurrences a long run spans are not replayed one by one (a run that
/// ends past the next occurrence is followed by one immediate run).
/// </summary>
internal sealed partial class TimerListener : IAsyncDisposable
{
    /// <summary>The longest single wait (Task.Delay's limit is about 49 days; the extension also waits in steps of 24 days).</summary>
    private static readonly TimeSpan MaxWait = TimeSpan.FromDays(24);

    private readonly FunctionDescriptor _function;
    private readonly IFunctionsHost _host;
    private readonly IScheduleMonitor? _monitor;
    private readonly bool _runOnStartup;
    private readonly TimeZoneInfo _zone;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _abortRunning = new();
    private ScheduleStatus _status = new(ScheduleStatus.Never, ScheduleStatus.Never, ScheduleStatus.Never);
    private DateTimeOffset? _armedFor;
    private long _invocations;
    private Task? _loop;

    public TimerListener(FunctionDescriptor function, TimerSchedule schedule, bool runOnStartup, IScheduleMonitor? monitor, IFunctionsHost host, TimeZoneInfo zone, TimeProvider time, ILogger logger)
    {
        _function = function;
        Schedule = schedule;
        _runOnStartup = runOnStartup;
        _monitor = monitor;
        _host = host;
        _zone = zone;
        _time = time;
        _logger = logger;
    }

    public TimerSchedule Schedule { get; }

    public string FunctionName => _function.Name;

    public TimerState State
    {
        get
        {
            lock (_stopping)
            {
                return new TimerState(_function.Name, Schedule, _armedFor, Interlocked.Read(ref _invocations), _monitor is null ? null : _status);
            }
        }
    }

    public void Start() => _loop = Task.Run(RunAsync);

    /// <summary>Stops scheduling; lets a running invocation finish until <paramref name="cancellation"/>, then cancels it.</summary>
    public async Task StopAsync(CancellationToken cancellation)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_loop is null)
        {
            return;
        }

        try
        {
            await _loop.WaitAsync(cancellation).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            await _abortRunning.CancelAsync().ConfigureAwait(false);
            await _loop.ConfigureAwait(false);
        }
    }

    public ValueTask DisposeAsync()
    {
        _stopping.Dispose();
        _abortRunning.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task RunAsync()
    {
        var stopping = _stopping.Token;
        try
        {
            var now = _time.GetUtcNow();
            var pastDue = false;
            var status = new ScheduleStatus(ScheduleStatus.Never, PastDue.Next(Schedule, now), ScheduleStatus.Never);
            if (_monitor is not null)
            {
                var recorded = await _monitor.GetStatusAsync(_function.Name, stopping).ConfigureAwait(false);
                var (late, current) = await PastDue.CheckAsync(_monitor, _function.Name, now, Schedule, recorded, stopping).ConfigureAwait(false);
                pastDue = late > TimeSpan.Zero;
                status = recorded is null ? status : current;
            }

            SetStatus(status);
            LogStarted(_logger, _function.Name, Schedule.ToString() ?? string.Empty, _zone.Id, TimerInfoJson.Format(status.Next, _zone));
            if (pastDue)
            {
                LogPastDue(_logger, _function.Name);
                await InvokeAsync(_time.GetUtcNow(), isPastDue: true, runOnStartup: false).ConfigureAwait(false);
            }
            else if (_runOnStartup)
            {
                LogRunOnStartup(_logger, _function.Name);
                await InvokeAsync(_time.GetUtcNow(), isPastDue: false, runOnStartup: true).ConfigureAwait(false);
            }

            while (!stopping.IsCancellationRequested)
            {
                var next = _status.Next;
                if (next == DateTimeOffset.MaxValue)
                {
                    LogNeverAgain(_logger, _function.Name);
                    return;
                }

                await WaitUntilAsync(next, stopping).ConfigureAwait(false);
                Arm(null);
                await InvokeAsync(_time.GetUtcNow(), isPastDue: false, runOnStartup: false).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            Arm(null);
        }
        catch (Exception ex)
        {
            LogListenerFailed(_logger, ex, _function.Name);
            Arm(null);
        }
    }

    /// <summary>
    /// Arms the timer for <paramref name="at"/> and waits for it. The state says armed only once the first wait is
    /// registered with the clock, so whoever sees it armed and then moves the clock always wakes this wait.
    /// </summary>
    private async Task WaitUntilAsync(DateTimeOffset at, CancellationToken stopping)
    {
        var armed = false;
        while (true)
        {
            var remaining = at - _time.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
            {
                if (!armed)
                {
                    Arm(at);
                }

                return;
            }

            var wait = Task.Delay(remaining < MaxWait ? remaining : MaxWait, _time, stopping);
            if (!armed)
            {
                Arm(at);
                armed = true;
            }

            await wait.ConfigureAwait(false);
        }
    }

    private async Task InvokeAsync(DateTimeOffset invokedAt, bool isPastDue, bool runOnStartup)
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        var current = _status;
        var info = TimerInfoJson.Write(Schedule, _monitor is null ? null : current, isPastDue, _zone);
        try
        {
            var response = await _host.InvokeAsync(_function, new TypedData { Json = info }, null, _abortRunning.Token).ConfigureAwait(false);
            if (response.Result?.Status != StatusResult.Types.Status.Success)
            {
                LogFunctionFailed(_logger, _function.Name, response.Result?.Exception?.Message ?? response.Result?.Result ?? "(no detail)");
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !_abortRunning.IsCancellationRequested)
        {
            // As the extension does: a failed run never stops the schedule.
            LogInvocationFailed(_logger, ex, _function.Name);
        }
        catch (OperationCanceledException)
        {
            LogInvocationFailed(_logger, null, _function.Name);
        }

        Interlocked.Increment(ref _invocations);

        // A run that fired a moment early counts as the occurrence it was armed for, so the same Next is never recorded twice.
        var adjusted = !isPastDue && !runOnStartup && current.Next > invokedAt ? current.Next : invokedAt;
        var status = new ScheduleStatus(adjusted, PastDue.Next(Schedule, adjusted), adjusted);
        SetStatus(status);
        if (_monitor is not null)
        {
            try
            {
                await _monitor.UpdateStatusAsync(_function.Name, status, CancellationToken.None).ConfigureAwait(false);
            }
            catch (IOException ex)
            {
                LogStatusNotSaved(_logger, ex, _function.Name);
            }
        }
    }

    private void SetStatus(ScheduleStatus status)
    {
        lock (_stopping)
        {
            _status = status;
        }
    }

    private void Arm(DateTimeOffset? at)
    {
        lock (_stopping)
        {
            _armedFor = at;
        }
    }

    [LoggerMessage(EventId = 3200, Level = LogLevel.Information, Message = "Timer function {Function}: schedule '{Schedule}' in time zone {Zone}; next occurrence {Next}.")]
    private static partial void LogStarted(ILogger logger, string function, string schedule, string zone, string next);

    [LoggerMessage(EventId = 3201, Level = LogLevel.Information, Message = "Function '{Function}' is past due on startup. Executing now.")]
    private static partial void LogPastDue(ILogger logger, string function);

    [LoggerMessage(EventId = 3202, Level = LogLevel.Information, Message = "Function '{Function}' is configured to run on startup. Executing now.")]
    private static partial void LogRunOnStartup(ILogger logger, string function);

    [LoggerMessage(EventId = 3203, Level = LogLevel.Warning, Message = "Timer function {Function}: the schedule never fires again.")]
    private static partial void LogNeverAgain(ILogger logger, string function);

    [LoggerMessage(EventId = 3204, Level = LogLevel.Warning, Message = "Timer function {Function} failed: {Reason}; the schedule continues.")]
    private static partial void LogFunctionFailed(ILogger logger, string function, string reason);

    [LoggerMessage(EventId = 3205, Level = LogLevel.Warning, Message = "Timer function {Function}: the invocation did not complete; the schedule continues.")]
    private static partial void LogInvocationFailed(ILogger logger, Exception? exception, string function);

    [LoggerMessage(EventId = 3206, Level = LogLevel.Error, Message = "Timer function {Function}: the listener stopped.")]
    private static partial void LogListenerFailed(ILogger logger, Exception exception, string function);

    [LoggerMessage(EventId = 3207, Level = LogLevel.Warning, Message = "Timer function {Function}: the schedule status could not be saved.")]
    private static partial void LogStatusNotSaved(ILogger logger, Exception exception, string function);
}
