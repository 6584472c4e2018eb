using System.Globalization;
using LocalRuntime.Functions.Timers;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LocalRuntime.Functions.Host;

/// <summary>
/// Runs one timer-triggered function on the host's <see cref="TimeProvider"/>: an NCRONTAB schedule (or a
/// <c>hh:mm:ss</c> interval), optionally once at startup. Invocations never overlap; occurrences missed while
/// a run was late are not replayed one by one: the next run is marked <see cref="TimerInfo.IsPastDue"/>.
/// </summary>
/// <remarks>The schedule status lives in memory for the host's lifetime (no persisted monitor).</remarks>
internal sealed class TimerListener : IAsyncDisposable
{
    /// <summary>How late a run may start before it counts as past due.</summary>
    internal static readonly TimeSpan PastDueTolerance = TimeSpan.FromSeconds(1);

    private readonly FunctionDescriptor _function;
    private readonly FunctionInvoker _invoker;
    private readonly Func<DateTimeOffset, DateTimeOffset?> _next;
    private readonly bool _runOnStartup;
    private readonly TimeProvider _time;
    private readonly IServiceProvider _services;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _abortRunning = new();
    private Task? _loop;

    public TimerListener(FunctionDescriptor function, string schedule, FunctionInvoker invoker, TimeProvider time, IServiceProvider services, ILogger logger)
    {
        _function = function;
        _invoker = invoker;
        _time = time;
        _services = services;
        _logger = logger;
        _runOnStartup = ((TimerTriggerAttribute)function.Trigger).RunOnStartup;
        _next = ParseSchedule(schedule, function.Name);
        Schedule = schedule;
    }

    public string Schedule { get; }

    public string FunctionName => _function.Name;

    /// <summary>The occurrence the listener waits for; null while running or stopped (tests wait on this instead of sleeping).</summary>
    public DateTimeOffset? NextOccurrence { get; private set; }

    /// <summary>Invocations started so far.</summary>
    public int Invocations => Volatile.Read(ref _invocations);

    private int _invocations;

    /// <summary>A schedule function for an NCRONTAB expression or a <c>hh:mm:ss</c> interval.</summary>
    internal static Func<DateTimeOffset, DateTimeOffset?> ParseSchedule(string schedule, string functionName)
    {
        if (!schedule.Contains(' ', StringComparison.Ordinal)
            && TimeSpan.TryParseExact(schedule, @"hh\:mm\:ss", CultureInfo.InvariantCulture, out var interval))
        {
            return interval > TimeSpan.Zero
                ? after => after + interval
                : throw new InvalidOperationException($"Timer function '{functionName}': the interval '{schedule}' must be positive.");
        }

        try
        {
            var cron = CronSchedule.Parse(schedule);
            return cron.GetNextOccurrence;
        }
        catch (FormatException ex)
        {
            throw new InvalidOperationException($"Timer function '{functionName}': {ex.Message}", ex);
        }
    }

    public void Start() => _loop = Task.Run(RunAsync);

    /// <summary>Stops scheduling; lets a running invocation finish until <paramref name="cancellation"/>, then cancels it.</summary>
    public async Task StopAsync(CancellationToken cancellation)
    {
        await _stopping.CancelAsync();
        if (_loop is null)
        {
            return;
        }

        try
        {
            await _loop.WaitAsync(cancellation);
        }
        catch (OperationCanceledException)
        {
            await _abortRunning.CancelAsync();
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
        DateTimeOffset? last = null;
        try
        {
            if (_runOnStartup)
            {
                var now = _time.GetUtcNow();
                await InvokeAsync(now, last: null, pastDue: false);
            }

            while (!stopping.IsCancellationRequested)
            {
                var due = _next(_time.GetUtcNow());
                if (due is not { } occurrence)
                {
                    _logger.LogWarning("Timer function {Function}: schedule '{Schedule}' never fires again.", _function.Name, Schedule);
                    return;
                }

                NextOccurrence = occurrence;
                await WaitUntilAsync(occurrence, stopping);
                NextOccurrence = null;
                var pastDue = _time.GetUtcNow() - occurrence > PastDueTolerance;
                await InvokeAsync(occurrence, last, pastDue);
                last = occurrence;
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            NextOccurrence = null;
        }
    }

    private async Task WaitUntilAsync(DateTimeOffset at, CancellationToken stopping)
    {
        // Task.Delay caps its delay; long waits are done in steps (each on the same clock).
        var max = TimeSpan.FromDays(1);
        while (true)
        {
            var remaining = at - _time.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
            {
                return;
            }

            await Task.Delay(remaining < max ? remaining : max, _time, stopping);
        }
    }

    private async Task InvokeAsync(DateTimeOffset occurrence, DateTimeOffset? last, bool pastDue)
    {
        Interlocked.Increment(ref _invocations);
        var info = new TimerInfo
        {
            IsPastDue = pastDue,
            ScheduleStatus = new ScheduleStatus
            {
                Last = (last ?? occurrence).UtcDateTime,
                Next = (_next(occurrence) ?? DateTimeOffset.MaxValue).UtcDateTime,
                LastUpdated = _time.GetUtcNow().UtcDateTime,
            },
        };
        try
        {
            await using var scope = _services.CreateAsyncScope();
            await _invoker.InvokeAsync(new InvocationBindings
            {
                FunctionContext = new LocalFunctionContext(_function, scope.ServiceProvider, _abortRunning.Token),
                TriggerValue = info,
            });
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "Timer function {Function} failed; the schedule continues.", _function.Name);
        }
    }
}
