using System.Collections.Concurrent;
using LocalRuntime.Durable.Stores;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LocalRuntime.Durable.Engine;

/// <summary>
/// The local Durable Task engine for one task hub: orchestration episodes with event-sourced replay
/// (cached between episodes), an elastic activity worker pool, durable timers and a client.
/// </summary>
/// <remarks>
/// Work is signalled, never polled: a message for an instance lands in its mailbox and schedules the
/// mailbox once; activities go to a channel read by the pool; timers wait on the
/// <see cref="TimeProvider"/>. The store is the source of truth: everything is loaded from it at start,
/// so a crash loses nothing that was committed.
/// </remarks>
public sealed partial class DurableEngine : IAsyncDisposable
{
    private readonly DurableFunctionRegistry _registry;
    private readonly DurableEngineOptions _options;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, InstanceMailbox> _mailboxes = new(StringComparer.Ordinal);
    private readonly WorkQueue<InstanceMailbox> _readyInstances = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _orchestrationWorkers = [];
    private long _lastId;
    private int _started;

    /// <summary>Creates an engine over a store.</summary>
    public DurableEngine(
        IDurableStore store,
        DurableFunctionRegistry registry,
        DurableEngineOptions? options = null,
        TimeProvider? timeProvider = null,
        ILoggerFactory? loggerFactory = null)
    {
        Store = store;
        _registry = registry;
        _options = options ?? new DurableEngineOptions();
        _time = timeProvider ?? TimeProvider.System;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger("LocalRuntime.Durable.Engine");
        _cache = new SessionCache(_options.MaxCachedOrchestrations);
        Client = new LocalDurableTaskClient(this);
        Metrics = new EngineMetrics(this);
        InitializeActivityPool();
        InitializeTimers();
    }

    /// <summary>The store behind this engine.</summary>
    public IDurableStore Store { get; }

    /// <summary>The engine's gauges (meter <c>LocalRuntime.Durable</c>).</summary>
    public EngineMetrics Metrics { get; }

    /// <summary>The client for this task hub.</summary>
    public DurableTaskClient Client { get; }

    /// <summary>The options in force.</summary>
    public DurableEngineOptions Options => _options;

    /// <summary>Whether the engine is stopping (or stopped).</summary>
    internal bool IsStopping => _stopping.IsCancellationRequested;

    internal TimeProvider Time => _time;

    internal DurableFunctionRegistry Registry => _registry;

    /// <summary>Loads unfinished work from the store and starts the workers.</summary>
    public async Task StartAsync(CancellationToken cancellation = default)
    {
        if (Interlocked.Exchange(ref _started, 1) == 1)
        {
            throw new InvalidOperationException("The engine is already started.");
        }

        await Store.InitializeAsync(cancellation);
        var pending = await Store.LoadPendingWorkAsync(cancellation);
        var seed = Math.Max(pending.MaxId, _time.GetUtcNow().UtcTicks / 10);
        Interlocked.Exchange(ref _lastId, seed);

        for (var i = 0; i < _options.MaxConcurrentOrchestratorFunctions; i++)
        {
            _orchestrationWorkers.Add(Task.Run(RunOrchestrationWorkerAsync, CancellationToken.None));
        }

        foreach (var message in pending.Messages)
        {
            Route(message);
        }

        foreach (var activity in pending.Activities)
        {
            activity.DequeueCount++;
            EnqueueActivity(activity);
        }

        if (pending.Messages.Count + pending.Activities.Count > 0)
        {
            _logger.LogInformation(
                "Resumed {Messages} pending messages and {Activities} unfinished activities from the {Store} store.",
                pending.Messages.Count, pending.Activities.Count, Store.ProviderName);
        }
    }

    /// <summary>
    /// Stops taking new work, lets running episodes and activities finish (up to the token), then stops.
    /// Unfinished work stays in the store and resumes at the next start.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellation = default)
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync();
        _readyInstances.Complete();
        StopTimers();
        var all = _orchestrationWorkers.Concat(StopActivityPool()).ToArray();
        try
        {
            await Task.WhenAll(all).WaitAsync(cancellation);
            await WhenResultsCommitted().WaitAsync(cancellation);
        }
        catch (OperationCanceledException)
        {
            _logger.LogWarning("Engine stop timed out; unfinished work stays in the store and resumes at the next start.");
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await StopAsync(timeout.Token);
        Metrics.Dispose();
        _stopping.Dispose();
    }

    /// <summary>A new message or work item id, unique and increasing within the task hub.</summary>
    internal long NextId() => Interlocked.Increment(ref _lastId);

    internal DateTime UtcNow() => _time.GetUtcNow().UtcDateTime;

    /// <summary>Delivers a stored message: to the timer queue when not yet visible, else to its instance's mailbox.</summary>
    internal void Route(OrchestrationMessage message)
    {
        if (message.VisibleAt is { } visibleAt && visibleAt > UtcNow())
        {
            ScheduleTimer(message);
            return;
        }

        var mailbox = _mailboxes.GetOrAdd(message.InstanceId, static id => new InstanceMailbox(id));
        lock (mailbox)
        {
            mailbox.Pending.Add(message);
            if (!mailbox.Scheduled)
            {
                mailbox.Scheduled = true;
                _readyInstances.TryWrite(mailbox);
            }
        }
    }

    /// <summary>Snapshot of the engine's load, for metrics and health.</summary>
    public EngineStatistics GetStatistics() => new(
        ActivityWorkers: Volatile.Read(ref _activityWorkers),
        BusyActivityWorkers: Volatile.Read(ref _activityWorkers) - Volatile.Read(ref _idleActivityWorkers),
        ActivityBacklog: Math.Max(0, Volatile.Read(ref _activityBacklog)),
        ReadyOrchestrations: _readyInstances.Count,
        CachedOrchestrations: _cache.Count,
        PendingTimers: PendingTimerCount);
}

/// <summary>Load figures of the engine.</summary>
/// <param name="ActivityWorkers">Activity workers alive.</param>
/// <param name="BusyActivityWorkers">Activity workers running an activity.</param>
/// <param name="ActivityBacklog">Activities waiting for a worker.</param>
/// <param name="ReadyOrchestrations">Instances with messages waiting for an episode.</param>
/// <param name="CachedOrchestrations">Orchestrations kept in memory between episodes.</param>
/// <param name="PendingTimers">Durable timers not yet due.</param>
public sealed record EngineStatistics(
    int ActivityWorkers,
    int BusyActivityWorkers,
    int ActivityBacklog,
    int ReadyOrchestrations,
    int CachedOrchestrations,
    int PendingTimers);
