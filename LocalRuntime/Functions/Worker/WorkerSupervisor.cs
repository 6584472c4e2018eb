using System.Diagnostics;
using LocalRuntime.Functions.Extensibility;
using LocalRuntime.Functions.Grpc;
using LocalRuntime.Functions.Hosting;
using LocalRuntime.Functions.Rpc;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LocalRuntime.Functions.Worker;

/// <summary>
/// Owns the worker process's lifetime: starts it with the Functions host's arguments and environment, handshakes and
/// loads its functions, notices at once when it exits (or its stream drops), fails what was in flight, and starts a new
/// one with bounded exponential backoff; callers wait for a ready worker as long as their cancellation allows.
/// </summary>
internal sealed partial class WorkerSupervisor : IWorkerProcess, IAsyncDisposable
{
    /// <summary>The version the host announces in <c>WorkerInitRequest</c> (the worker does not read it).</summary>
    public const string HostVersion = "4.0.0-localruntime";

    private readonly FunctionAppFolder _app;
    private readonly RpcServer _rpc;
    private readonly WorkerConnections _connections;
    private readonly WorkerLogRouter _logs;
    private readonly LocalSettings _localSettings;
    private readonly LocalFunctionsHostOptions _options;
    private readonly IHostEnvironment _environment;
    private readonly TimeProvider _time;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger _logger;
    private readonly ILogger _console;
    private readonly ProcessSpawner _spawner = new();
    private readonly CancellationTokenSource _stopping = new();
    private TaskCompletionSource<WorkerInstance> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private WorkerInstance? _current;
    private Task _monitor = Task.CompletedTask;
    private int _startCount;
    private int _disposed;

    public WorkerSupervisor(
        FunctionAppFolder app,
        RpcServer rpc,
        WorkerConnections connections,
        WorkerLogRouter logs,
        LocalSettings localSettings,
        IOptions<LocalFunctionsHostOptions> options,
        IHostEnvironment environment,
        TimeProvider time,
        IHostApplicationLifetime lifetime,
        ILoggerFactory loggers)
    {
        _app = app;
        _rpc = rpc;
        _connections = connections;
        _logs = logs;
        _localSettings = localSettings;
        _options = options.Value;
        _environment = environment;
        _time = time;
        _lifetime = lifetime;
        _logger = loggers.CreateLogger("LocalRuntime.Functions.Worker");
        _console = loggers.CreateLogger("Worker.Console");
    }

    /// <summary>Raised (synchronously) each time a worker has loaded its functions, the first one included.</summary>
    public event Action<IReadOnlyList<LoadedFunction>>? FunctionsLoaded;

    public int ProcessId => Volatile.Read(ref _current)?.Process.ProcessId ?? -1;

    public string WorkerId => Volatile.Read(ref _current)?.Process.WorkerId ?? string.Empty;

    public Uri? HttpUri => Volatile.Read(ref _current)?.Channel.HttpUri;

    public IReadOnlyList<string> CommandLine => Volatile.Read(ref _current)?.Process.CommandLine ?? [];

    public int StartCount => Volatile.Read(ref _startCount);

    public bool IsReady => Volatile.Read(ref _current) is { Channel.IsClosed: false };

    /// <summary>Starts the first worker; fails (with the worker's last output) if it cannot be started and loaded.</summary>
    public async Task StartAsync(CancellationToken cancellation)
    {
        if (!ProcessSpawner.SupportsParentDeathSignal)
        {
            LogNoParentDeathSignal(_logger);
        }

        var instance = await LaunchAsync(cancellation).ConfigureAwait(false);
        Publish(instance);
        _monitor = Task.Run(() => MonitorAsync(instance), CancellationToken.None);
    }

    /// <summary>The ready worker, at once if there is one; else waits for the next (a restart) as long as <paramref name="cancellation"/> allows.</summary>
    /// <exception cref="WorkerUnavailableException">The host is stopping, or gave up restarting.</exception>
    public ValueTask<WorkerInstance> GetReadyAsync(CancellationToken cancellation)
    {
        var current = Volatile.Read(ref _current);
        return current is { Channel.IsClosed: false } ? new ValueTask<WorkerInstance>(current) : new ValueTask<WorkerInstance>(WaitReadyAsync(cancellation));
    }

    public async Task<TimeSpan> ProbeAsync(CancellationToken cancellation)
    {
        var current = Volatile.Read(ref _current) ?? throw new WorkerUnavailableException("No worker is running.");
        return await current.Channel.ProbeAsync(cancellation).ConfigureAwait(false);
    }

    /// <summary>
    /// The orderly stop: new callers are refused, invocations in flight get up to <see cref="LocalFunctionsHostOptions.DrainTimeout"/>,
    /// the worker is sent <c>WorkerTerminate</c> and killed if it outlives the grace period.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellation)
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        Volatile.Read(ref _ready).TrySetException(new WorkerUnavailableException("The host is stopping."));
        var current = Volatile.Read(ref _current);
        if (current is not null)
        {
            await DrainAsync(current.Channel, cancellation).ConfigureAwait(false);
            LogTerminating(_logger, current.Process.ProcessId, _options.WorkerTerminateGracePeriod);
            current.Channel.Terminate(_options.WorkerTerminateGracePeriod);
            using var grace = new CancellationTokenSource(_options.WorkerTerminateGracePeriod, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(grace.Token, cancellation);
            try
            {
                await current.Process.Exited.WaitAsync(linked.Token).ConfigureAwait(false);
                LogWorkerExitedOnTerminate(_logger, current.Process.ProcessId);
            }
            catch (OperationCanceledException)
            {
                LogKillingAfterGrace(_logger, current.Process.ProcessId);
                await current.Process.KillAsync(TimeSpan.FromSeconds(5), _time).ConfigureAwait(false);
            }

            current.Channel.Fail(new WorkerUnavailableException("The host stopped."));
        }

        await _monitor.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        // Registered under two service types, so the container may dispose it twice.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        var current = Volatile.Read(ref _current);
        if (current is not null && !current.Process.HasExited)
        {
            await current.Process.KillAsync(TimeSpan.FromSeconds(5), _time).ConfigureAwait(false);
        }

        current?.Process.Dispose();
        _spawner.Dispose();
        _stopping.Dispose();
    }

    /// <summary>The worker's start: <c>{executable} {arguments} {worker} {workerArguments} --host ... --functions-uri ...</c>, as <c>RpcWorkerContext</c> formats it.</summary>
    internal ProcessStartInfo CreateStartInfo(string workerId, string requestId)
    {
        var uri = _rpc.Address;
        var start = new ProcessStartInfo(_app.ExecutablePath) { WorkingDirectory = _app.Path, UseShellExecute = false };
        foreach (var argument in _app.ExecutableArguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.ArgumentList.Add(_app.WorkerPath);
        foreach (var argument in _app.WorkerArguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Without the message length the worker's gRPC limit is 0 and it dies on its first message.
        const string maxMessageLength = "2147483647";
        string[] protocol =
        [
            "--host", uri.Host, "--port", uri.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--workerId", workerId, "--requestId", requestId, "--grpcMaxMessageLength", maxMessageLength,
            "--functions-uri", uri.AbsoluteUri, "--functions-worker-id", workerId, "--functions-request-id", requestId,
            "--functions-grpc-max-message-length", maxMessageLength,
        ];
        foreach (var argument in protocol)
        {
            start.ArgumentList.Add(argument);
        }

        // Inherited environment < local.settings.json Values (where the environment has none, as func start does) <
        // the host's own overrides < what the protocol requires.
        foreach (var (name, value) in _localSettings.Values)
        {
            if (value is not null && string.IsNullOrEmpty(Environment.GetEnvironmentVariable(name)))
            {
                start.Environment[name] = value;
            }
        }

        foreach (var (name, value) in _options.WorkerEnvironment)
        {
            start.Environment[name] = value;
        }

        start.Environment["FUNCTIONS_WORKER_DIRECTORY"] = _app.Path;
        start.Environment["FUNCTIONS_APPLICATION_DIRECTORY"] = _app.Path;
        start.Environment["FUNCTIONS_WORKER_RUNTIME"] = "dotnet-isolated";
        start.Environment["AZURE_FUNCTIONS_ENVIRONMENT"] = _environment.EnvironmentName;
        ProcessSpawner.WrapForParentDeath(start);
        return start;
    }

    private async Task<WorkerInstance> LaunchAsync(CancellationToken cancellation)
    {
        var workerId = Guid.NewGuid().ToString();
        var channel = new WorkerChannel(workerId, _logs, _logger, _time);
        _connections.Expect(channel);
        WorkerProcess? process = null;
        var startedAt = _time.GetTimestamp();
        try
        {
            process = await WorkerProcess.StartAsync(_spawner, CreateStartInfo(workerId, Guid.NewGuid().ToString()), workerId, _console).ConfigureAwait(false);
            Interlocked.Increment(ref _startCount);
            LogWorkerStarted(_logger, process.ProcessId, workerId);
            if (_options.FunctionTimeout is { } functionTimeout)
            {
                var started = process;
                channel.EnforceTimeout(functionTimeout, (invocationId, functionName) =>
                {
                    LogTimedOut(_logger, invocationId, functionName, functionTimeout, started.ProcessId);
                    _ = started.KillAsync(TimeSpan.FromSeconds(5), _time);
                });
            }

            using var timeout = new CancellationTokenSource(_options.WorkerStartupTimeout, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellation, _stopping.Token);
            var exitedEarly = process.Exited.ContinueWith(
                static (exit, state) => ((WorkerChannel)state!).Fail(new WorkerUnavailableException($"The worker exited with code {exit.Result} while starting.")),
                channel,
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
            var init = new WorkerInitRequest { HostVersion = HostVersion, WorkerDirectory = _app.Path, FunctionAppDirectory = _app.Path };
            IReadOnlyList<LoadedFunction> functions;
            try
            {
                functions = await channel.InitializeAsync(init, _app.Path, d => new LoadedFunction(d, _logs.ForFunction(d.Name)), linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                throw new TimeoutException($"The worker (pid {process.ProcessId}) did not connect and load its functions within {_options.WorkerStartupTimeout}.");
            }

            LogWorkerReady(_logger, process.ProcessId, functions.Count, _time.GetElapsedTime(startedAt).TotalMilliseconds);
            return new WorkerInstance(process, channel, functions, _time.GetUtcNow());
        }
        catch (Exception ex)
        {
            _connections.Forget(channel);
            channel.Fail(ex);
            if (process is not null)
            {
                await process.KillAsync(TimeSpan.FromSeconds(5), _time).ConfigureAwait(false);
                var output = process.RecentOutput;
                process.Dispose();
                if (ex is not OperationCanceledException)
                {
                    throw new InvalidOperationException($"The worker failed to start: {ex.Message}{(output.Length > 0 ? Environment.NewLine + "Its last output:" + Environment.NewLine + output : string.Empty)}", ex);
                }
            }

            throw;
        }
    }

    private void Publish(WorkerInstance instance)
    {
        FunctionsLoaded?.Invoke(instance.Functions);
        Volatile.Write(ref _current, instance);
        Volatile.Read(ref _ready).TrySetResult(instance);
    }

    private async Task<WorkerInstance> WaitReadyAsync(CancellationToken cancellation)
    {
        while (true)
        {
            if (_stopping.IsCancellationRequested)
            {
                throw new WorkerUnavailableException("The host is stopping.");
            }

            var instance = await Volatile.Read(ref _ready).Task.WaitAsync(cancellation).ConfigureAwait(false);
            if (!instance.Channel.IsClosed)
            {
                return instance;
            }

            // Closed but not yet replaced: wait (without spinning) until the monitor has swapped in the next promise.
            await instance.Retired.WaitAsync(cancellation).ConfigureAwait(false);
        }
    }

    private async Task MonitorAsync(WorkerInstance instance)
    {
        var consecutive = 0;
        while (true)
        {
            using var probing = new CancellationTokenSource();
            var probe = ProbeLoopAsync(instance, probing.Token);
            var exited = await Task.WhenAny(instance.Process.Exited, instance.Channel.Closed).ConfigureAwait(false);
            await probing.CancelAsync().ConfigureAwait(false);
            await probe.ConfigureAwait(false);

            // Newcomers wait for the next worker from here on; then everything in flight fails at once.
            Volatile.Write(ref _ready, new TaskCompletionSource<WorkerInstance>(TaskCreationOptions.RunContinuationsAsynchronously));
            if (_stopping.IsCancellationRequested)
            {
                Volatile.Read(ref _ready).TrySetException(new WorkerUnavailableException("The host is stopping."));
            }

            instance.Retire();
            var reason = exited == instance.Process.Exited
                ? new WorkerUnavailableException($"The worker process (pid {instance.Process.ProcessId}) exited with code {instance.Process.Exited.Result}.")
                : instance.Channel.Closed.Result;
            var inFlight = instance.Channel.InFlight;
            instance.Channel.Fail(reason);
            if (_stopping.IsCancellationRequested)
            {
                return;
            }

            if (!instance.Process.HasExited)
            {
                // The worker does not reconnect a dropped stream: end it and start a new one.
                await instance.Process.KillAsync(TimeSpan.FromSeconds(5), _time).ConfigureAwait(false);
            }

            LogWorkerLost(_logger, instance.Process.ProcessId, reason.Message, inFlight);
            consecutive = _time.GetUtcNow() - instance.ReadyAt >= _options.WorkerStableAfter ? 1 : consecutive + 1;
            instance.Process.Dispose();
            while (true)
            {
                if (consecutive > _options.MaxConsecutiveRestarts)
                {
                    LogGivingUp(_logger, _options.MaxConsecutiveRestarts);
                    Volatile.Read(ref _ready).TrySetException(new WorkerUnavailableException($"The worker failed {_options.MaxConsecutiveRestarts} times in a row; the host gave up restarting it."));
                    _lifetime.StopApplication();
                    return;
                }

                var delay = RestartDelay(consecutive);
                try
                {
                    if (delay > TimeSpan.Zero)
                    {
                        await Task.Delay(delay, _time, _stopping.Token).ConfigureAwait(false);
                    }

                    LogRestarting(_logger, consecutive, delay.TotalMilliseconds);
                    instance = await LaunchAsync(_stopping.Token).ConfigureAwait(false);
                    Publish(instance);
                    break;
                }
                catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or WorkerUnavailableException or System.ComponentModel.Win32Exception or IOException)
                {
                    LogRestartFailed(_logger, ex, consecutive);
                    consecutive++;
                }
            }
        }
    }

    /// <summary>
    /// The liveness probe: a <c>WorkerStatusRequest</c> every <see cref="LocalFunctionsHostOptions.WorkerProbeInterval"/>; a
    /// worker that leaves one unanswered for <see cref="LocalFunctionsHostOptions.WorkerProbeTimeout"/> is hung and is killed
    /// (the monitor then restarts it).
    /// </summary>
    private async Task ProbeLoopAsync(WorkerInstance instance, CancellationToken stop)
    {
        try
        {
            using var timer = new PeriodicTimer(_options.WorkerProbeInterval, _time);
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                using var timeout = new CancellationTokenSource(_options.WorkerProbeTimeout, _time);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, stop);
                try
                {
                    Telemetry.HostTelemetry.RecordProbe(await instance.Channel.ProbeAsync(linked.Token).ConfigureAwait(false));
                }
                catch (OperationCanceledException) when (timeout.IsCancellationRequested && !stop.IsCancellationRequested)
                {
                    LogProbeFailed(_logger, instance.Process.ProcessId, _options.WorkerProbeTimeout);
                    await instance.Process.KillAsync(TimeSpan.FromSeconds(5), _time).ConfigureAwait(false);
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The instance retired.
        }
        catch (WorkerUnavailableException)
        {
            // The channel closed; the monitor handles it.
        }
    }

    /// <summary>The first restart is immediate; then <see cref="LocalFunctionsHostOptions.InitialRestartDelay"/>, doubling, capped.</summary>
    internal TimeSpan RestartDelay(int attempt)
    {
        if (attempt <= 1)
        {
            return TimeSpan.Zero;
        }

        var factor = Math.Pow(2, Math.Min(attempt - 2, 20));
        var delay = TimeSpan.FromTicks((long)Math.Min(_options.InitialRestartDelay.Ticks * factor, _options.MaxRestartDelay.Ticks));
        return delay;
    }

    private async Task DrainAsync(WorkerChannel channel, CancellationToken cancellation)
    {
        if (channel.InFlight == 0)
        {
            return;
        }

        LogDraining(_logger, channel.InFlight);
        using var timeout = new CancellationTokenSource(_options.DrainTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellation);
        try
        {
            await channel.WhenIdleAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            LogDrainTimedOut(_logger, channel.InFlight);
        }
    }

    [LoggerMessage(EventId = 1401, Level = LogLevel.Information, Message = "Worker process started (pid {ProcessId}, worker id {WorkerId}).")]
    private static partial void LogWorkerStarted(ILogger logger, int processId, string workerId);

    [LoggerMessage(EventId = 1402, Level = LogLevel.Information, Message = "Worker (pid {ProcessId}) ready: {FunctionCount} functions loaded in {ElapsedMs:0} ms.")]
    private static partial void LogWorkerReady(ILogger logger, int processId, int functionCount, double elapsedMs);

    [LoggerMessage(EventId = 1403, Level = LogLevel.Error, Message = "Worker (pid {ProcessId}) lost: {Reason} {InFlight} invocations in flight failed.")]
    private static partial void LogWorkerLost(ILogger logger, int processId, string reason, int inFlight);

    [LoggerMessage(EventId = 1404, Level = LogLevel.Warning, Message = "Restarting the worker (attempt {Attempt}, after {DelayMs:0} ms).")]
    private static partial void LogRestarting(ILogger logger, int attempt, double delayMs);

    [LoggerMessage(EventId = 1405, Level = LogLevel.Error, Message = "Worker restart attempt {Attempt} failed.")]
    private static partial void LogRestartFailed(ILogger logger, Exception exception, int attempt);

    [LoggerMessage(EventId = 1406, Level = LogLevel.Critical, Message = "The worker failed {Count} times in a row; stopping the host.")]
    private static partial void LogGivingUp(ILogger logger, int count);

    [LoggerMessage(EventId = 1407, Level = LogLevel.Information, Message = "Sending WorkerTerminate to the worker (pid {ProcessId}), grace period {GracePeriod}.")]
    private static partial void LogTerminating(ILogger logger, int processId, TimeSpan gracePeriod);

    [LoggerMessage(EventId = 1408, Level = LogLevel.Information, Message = "The worker (pid {ProcessId}) exited after WorkerTerminate.")]
    private static partial void LogWorkerExitedOnTerminate(ILogger logger, int processId);

    [LoggerMessage(EventId = 1409, Level = LogLevel.Warning, Message = "The worker (pid {ProcessId}) outlived its grace period; killed.")]
    private static partial void LogKillingAfterGrace(ILogger logger, int processId);

    [LoggerMessage(EventId = 1410, Level = LogLevel.Warning, Message = "setpriv is not available: the worker will not be killed if this host is killed (only an orderly stop ends it).")]
    private static partial void LogNoParentDeathSignal(ILogger logger);

    [LoggerMessage(EventId = 1414, Level = LogLevel.Error, Message = "The worker (pid {ProcessId}) left a WorkerStatusRequest unanswered for {Timeout}; killing it as hung.")]
    private static partial void LogProbeFailed(ILogger logger, int processId, TimeSpan timeout);

    [LoggerMessage(EventId = 1415, Level = LogLevel.Error, Message = "Invocation {InvocationId} of {FunctionName} ran past functionTimeout ({Timeout}); cancelled, and the worker (pid {ProcessId}) is recycled.")]
    private static partial void LogTimedOut(ILogger logger, string invocationId, string functionName, TimeSpan timeout, int processId);

    [LoggerMessage(EventId = 1412, Level = LogLevel.Information, Message = "Draining {InFlight} invocations in flight.")]
    private static partial void LogDraining(ILogger logger, int inFlight);

    [LoggerMessage(EventId = 1413, Level = LogLevel.Warning, Message = "Drain timed out with {InFlight} invocations still in flight.")]
    private static partial void LogDrainTimedOut(ILogger logger, int inFlight);
}
