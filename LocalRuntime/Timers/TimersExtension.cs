using System.Text.Json;
using LocalRuntime.Functions.Extensibility;
using LocalRuntime.Functions.Rpc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LocalRuntime.Timers;

/// <summary>The host extension for timer triggers: one <c>timerTrigger</c> listener per function.</summary>
public sealed partial class TimersExtension : IHostExtension, IAsyncDisposable
{
    /// <summary>The trigger binding type.</summary>
    public const string TriggerType = "timerTrigger";

    private readonly TimersOptions _options;
    private readonly IScheduleMonitor _monitor;
    private readonly IConfiguration _configuration;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly List<TimerListener> _listeners = [];

    /// <summary>Created by DI (see <c>AddTimerTriggers</c>).</summary>
    public TimersExtension(IOptions<TimersOptions> options, IScheduleMonitor monitor, IConfiguration configuration, TimeProvider time, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggers);
        _options = options.Value;
        _monitor = monitor;
        _configuration = configuration;
        _time = time;
        _loggers = loggers;
        _logger = loggers.CreateLogger<TimersExtension>();
        TimeZone = string.IsNullOrWhiteSpace(_options.TimeZone) ? time.LocalTimeZone : TimeZoneInfo.FindSystemTimeZoneById(_options.TimeZone);
    }

    /// <inheritdoc />
    public string Name => "Timers";

    /// <summary>The zone schedules are evaluated in.</summary>
    public TimeZoneInfo TimeZone { get; }

    /// <inheritdoc />
    public IReadOnlyCollection<string> TriggerTypes { get; } = [TriggerType];

    /// <inheritdoc />
    public IReadOnlyCollection<string> InputBindingTypes { get; } = [];

    /// <inheritdoc />
    public IReadOnlyCollection<string> OutputBindingTypes { get; } = [];

    /// <summary>Every running timer's state.</summary>
    public IReadOnlyList<TimerState> Timers
    {
        get
        {
            lock (_listeners)
            {
                return [.. _listeners.Select(l => l.State)];
            }
        }
    }

    /// <summary>One timer's state, or null when no timer of that function runs.</summary>
    public TimerState? GetState(string function)
    {
        lock (_listeners)
        {
            return _listeners.Find(l => string.Equals(l.FunctionName, function, StringComparison.OrdinalIgnoreCase))?.State;
        }
    }

    /// <inheritdoc />
    public TypedData BindInput(FunctionBinding binding, InvocationContext context) =>
        throw new NotSupportedException("Timers have no input binding.");

    /// <inheritdoc />
    public Task WriteOutputAsync(FunctionBinding binding, TypedData value, InvocationContext context, CancellationToken cancellation) =>
        throw new NotSupportedException("Timers have no output binding.");

    /// <inheritdoc />
    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
    }

    /// <inheritdoc />
    public Task StartAsync(IFunctionsHost host, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(host);
        foreach (var function in host.Functions)
        {
            var trigger = function.Bindings.FirstOrDefault(b => b.IsTrigger && string.Equals(b.Type, TriggerType, StringComparison.OrdinalIgnoreCase));
            if (trigger is null)
            {
                continue;
            }

            TimerSchedule schedule;
            try
            {
                schedule = ScheduleOf(trigger, function.Name);
            }
            catch (Exception ex) when (ex is InvalidOperationException or FormatException)
            {
                // As Microsoft's host does with an indexing error: this function is not started, the others are.
                LogFunctionNotStarted(_logger, ex, function.Name);
                continue;
            }

            var useMonitor = Bool(trigger, "useMonitor") ?? true;
            var runOnStartup = Bool(trigger, "runOnStartup") ?? false;
            var listener = new TimerListener(function, schedule, runOnStartup, useMonitor ? _monitor : null, host, TimeZone, _time, _loggers.CreateLogger($"LocalRuntime.Timers.Function.{function.Name}"));
            lock (_listeners)
            {
                _listeners.Add(listener);
            }

            listener.Start();
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellation)
    {
        TimerListener[] listeners;
        lock (_listeners)
        {
            listeners = [.. _listeners];
            _listeners.Clear();
        }

        await Task.WhenAll(listeners.Select(l => l.StopAsync(cancellation))).ConfigureAwait(false);
        foreach (var listener in listeners)
        {
            await listener.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None).ConfigureAwait(false);

    private TimerSchedule ScheduleOf(FunctionBinding trigger, string function)
    {
        var raw = trigger.GetString("schedule");
        if (string.IsNullOrWhiteSpace(raw))
        {
            throw new InvalidOperationException($"Timer function '{function}': the schedule is empty.");
        }

        var resolved = SettingNames.Resolve(_configuration, raw, $"Timer function '{function}'");
        try
        {
            return TimerSchedule.Parse(resolved, TimeZone);
        }
        catch (FormatException ex)
        {
            throw new InvalidOperationException($"Timer function '{function}': {ex.Message}", ex);
        }
    }

    private static bool? Bool(FunctionBinding binding, string property)
    {
        foreach (var p in binding.Raw.EnumerateObject())
        {
            if (string.Equals(p.Name, property, StringComparison.OrdinalIgnoreCase))
            {
                return p.Value.ValueKind switch
                {
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    JsonValueKind.String when bool.TryParse(p.Value.GetString(), out var b) => b,
                    _ => null,
                };
            }
        }

        return null;
    }

    [LoggerMessage(EventId = 3210, Level = LogLevel.Error, Message = "Timer function {Function} is not started.")]
    private static partial void LogFunctionNotStarted(ILogger logger, Exception exception, string function);
}
