using DurableTask.Core;
using DurableTask.Core.Entities;
using DurableTask.Core.Exceptions;
using DurableTask.Core.History;
using DurableTask.Core.Query;
using LocalRuntime.Sqlite.Dispatch;
using LocalRuntime.Sqlite.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace LocalRuntime.Sqlite;

/// <summary>
/// An embedded DTFx Core backend on one SQLite file: <see cref="IOrchestrationService"/> for <c>TaskHubWorker</c>,
/// <see cref="IOrchestrationServiceClient"/> for <c>TaskHubClient</c> and a sidecar, plus the query, purge and entity
/// interfaces Microsoft's AzureStorage provider implements. Microsoft's provider is the reference for behaviour.
/// </summary>
/// <remarks>
/// <para>
/// The file is the truth; memory holds what is pending. On start the provider loads every stored message and
/// activity work item into in-memory queues (no locks survive a restart: the file is owned by one process, so
/// whatever a previous run had locked is available at once). Work items are handed out from memory; waiting
/// dispatchers are woken when a commit makes work ready, and timers (durable timers, scheduled starts, lock
/// expiry, abandon back-off) wake at their due time by the injected <see cref="TimeProvider"/>: an idle provider
/// runs no queries.
/// </para>
/// <para>
/// Every change is one operation for the single writer thread, which commits many of them in one transaction
/// (group commit): an orchestration checkpoint writes its new history, instance row, consumed messages,
/// activity work items, timers and messages to other instances atomically. An activity result is committed
/// exactly once: the completion deletes the work item's row and only the one that deleted it adds the result.
/// </para>
/// </remarks>
public sealed partial class SqliteOrchestrationService :
    IOrchestrationService,
    IOrchestrationServiceClient,
    IOrchestrationServiceQueryClient,
    IOrchestrationServicePurgeClient,
    IEntityOrchestrationService,
    IDisposable
{
    private readonly SqliteOrchestrationServiceOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly object _gate = new();
    private readonly Dictionary<string, InstanceEntry> _instances = new(StringComparer.Ordinal);
    private readonly ReadyQueue<InstanceEntry> _readyOrchestrations;
    private readonly ReadyQueue<InstanceEntry> _readyEntities;
    private readonly ReadyQueue<ActivityEntry> _readyActivities;
    private readonly Dictionary<long, ActivityEntry> _activities = [];
    private readonly AsyncSignal _orchestrationSignal = new();
    private readonly AsyncSignal _entitySignal = new();
    private readonly AsyncSignal _activitySignal = new();
    private readonly PriorityQueue<DueItem, long> _due = new();
    private readonly Dictionary<string, List<TaskCompletionSource<bool>>> _completionWaiters = new(StringComparer.Ordinal);
    private readonly LinkedList<InstanceEntry> _historyCache = new();
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private ITimer? _timer;
    private long _timerDueTicks = long.MaxValue;
    private long _lastToken;
    private long _checkpoints;
    private SqliteStore? _store;
    private CancellationTokenSource _shutdown = new();
    private bool _disposed;

    /// <summary>Creates the service; the file is opened by <see cref="CreateIfNotExistsAsync"/> or <see cref="StartAsync"/>.</summary>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    public SqliteOrchestrationService(SqliteOrchestrationServiceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _clock = options.TimeProvider;
        _logger = options.LoggerFactory.CreateLogger<SqliteOrchestrationService>();
        _readyOrchestrations = new(options.PriorityAgingStep);
        _readyEntities = new(options.PriorityAgingStep);
        _readyActivities = new(options.PriorityAgingStep);
    }

    /// <summary>The settings this service runs with.</summary>
    public SqliteOrchestrationServiceOptions Options => _options;

    /// <summary>The full path of the database file.</summary>
    public string DatabasePath => Path.GetFullPath(_options.DatabasePath);

    /// <summary>Transactions the writer has committed (a diagnostic: an idle provider commits none).</summary>
    public long TransactionsCommitted => _store?.TransactionsCommitted ?? 0;

    /// <summary>Orchestration and entity checkpoints committed so far (a diagnostic: episodes per workflow).</summary>
    public long CheckpointsCommitted => Interlocked.Read(ref _checkpoints);

    /// <summary>Reads from the file so far (a diagnostic: an idle provider reads nothing).</summary>
    public long ReadsStarted => _store?.ReadsStarted ?? 0;

    /// <inheritdoc />
    public int TaskOrchestrationDispatcherCount => 1;

    /// <inheritdoc />
    public int MaxConcurrentTaskOrchestrationWorkItems => _options.MaxConcurrentOrchestrationWorkItems;

    /// <inheritdoc />
    public BehaviorOnContinueAsNew EventBehaviourForContinueAsNew => BehaviorOnContinueAsNew.Carryover;

    /// <inheritdoc />
    public int TaskActivityDispatcherCount => 1;

    /// <inheritdoc />
    public int MaxConcurrentTaskActivityWorkItems => _options.MaxConcurrentActivityWorkItems;

    /// <inheritdoc />
    public override string ToString() => $"SqliteOrchestrationService on {DatabasePath} (task hub {_options.TaskHubName})";

    // ---- Lifecycle ----

    /// <summary>Opens the file (creating it and its schema when missing) and loads the pending work. Idempotent.</summary>
    public async Task StartAsync()
    {
        await EnsureOpenAsync();
    }

    /// <inheritdoc />
    public Task StopAsync() => StopAsync(isForced: false);

    /// <summary>Stops handing out work, lets queued writes commit and closes the file; <see cref="StartAsync"/> opens it again.</summary>
    public async Task StopAsync(bool isForced)
    {
        await _lifecycle.WaitAsync();
        try
        {
            await CloseAsync();
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <inheritdoc />
    public Task CreateAsync() => CreateAsync(recreateInstanceStore: true);

    /// <summary>Creates the schema; with <paramref name="recreateInstanceStore"/> deletes everything first (as Microsoft's CreateAsync does).</summary>
    public async Task CreateAsync(bool recreateInstanceStore)
    {
        if (recreateInstanceStore)
        {
            await DeleteAsync();
        }

        await EnsureOpenAsync();
    }

    /// <inheritdoc />
    public Task CreateIfNotExistsAsync() => EnsureOpenAsync();

    /// <inheritdoc />
    public Task DeleteAsync() => DeleteAsync(deleteInstanceStore: true);

    /// <summary>Closes and deletes the database file (and its WAL and lock files).</summary>
    public async Task DeleteAsync(bool deleteInstanceStore)
    {
        await _lifecycle.WaitAsync();
        try
        {
            await CloseAsync();
            SqliteConnection.ClearAllPools();
            foreach (var suffix in new[] { string.Empty, "-wal", "-shm", ".lock" })
            {
                File.Delete(DatabasePath + suffix);
            }
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <inheritdoc />
    public bool IsMaxMessageCountExceeded(int currentMessageCount, OrchestrationRuntimeState runtimeState) => false;

    /// <inheritdoc />
    public int GetDelayInSecondsAfterOnProcessException(Exception exception) => exception is SessionAbortedException ? 0 : 1;

    /// <inheritdoc />
    public int GetDelayInSecondsAfterOnFetchException(Exception exception) => 1;

    /// <summary>Closes the file; pending work stays stored.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        StopAsync(isForced: true).GetAwaiter().GetResult();
        _lifecycle.Dispose();
        _shutdown.Dispose();
    }

    private async Task EnsureOpenAsync()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_store is not null)
        {
            return;
        }

        await _lifecycle.WaitAsync();
        try
        {
            if (_store is not null)
            {
                return;
            }

            var store = SqliteStore.Open(_options);
            try
            {
                LoadPendingWork(store);
            }
            catch
            {
                store.Dispose();
                throw;
            }

            _shutdown = new CancellationTokenSource();
            _timer = _clock.CreateTimer(static state => ((SqliteOrchestrationService)state!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            store.Start();
            _store = store;
            lock (_gate)
            {
                ScheduleTimer();
            }

            Log.Opened(_logger, DatabasePath, _instances.Count, _activities.Count);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    private async Task CloseAsync()
    {
        var store = _store;
        if (store is null)
        {
            return;
        }

        await _shutdown.CancelAsync();
        await store.StopAsync();
        store.Dispose();
        _store = null;
        if (_timer is { } timer)
        {
            await timer.DisposeAsync();
            _timer = null;
        }

        lock (_gate)
        {
            // Memory is rebuilt from the file on the next start; whatever was locked is simply free then.
            _instances.Clear();
            _readyOrchestrations.Clear();
            _readyEntities.Clear();
            _readyActivities.Clear();
            _activities.Clear();
            _due.Clear();
            _historyCache.Clear();
            _timerDueTicks = long.MaxValue;
            _orchestrationSignal.Set();
            _entitySignal.Set();
            _activitySignal.Set();
            foreach (var waiters in _completionWaiters.Values)
            {
                foreach (var waiter in waiters)
                {
                    waiter.TrySetResult(false);
                }
            }

            _completionWaiters.Clear();
        }
    }

    /// <summary>Loads every stored message and activity work item (start-up, before the writer runs).</summary>
    private void LoadPendingWork(SqliteStore store)
    {
        var now = UtcNow;
        var (messages, activities, priorities) = store.ReadOnWriter(connection =>
        {
            var messages = new List<(string InstanceId, byte[] Key, PendingMessage Message)>();
            using (var command = connection.CreateCommand())
            {
                command.CommandText = "SELECT id, instance_key, visible_at, message FROM messages ORDER BY id";
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    var key = (byte[])reader.GetValue(1);
                    var message = DataJson.DeserializeMessage(reader.GetString(3));
                    messages.Add((InstanceKey.Decode(key), key, new PendingMessage(reader.GetInt64(0), message, DataJson.FromTicks(reader.GetInt64(2)))));
                }
            }

            var activities = new List<ActivityEntry>();
            using (var command = connection.CreateCommand())
            {
                command.CommandText = "SELECT id, message FROM activities ORDER BY id";
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    activities.Add(new ActivityEntry(reader.GetInt64(0), DataJson.DeserializeMessage(reader.GetString(1))));
                }
            }

            // Priorities of running instances (their start message is consumed): activities and later episodes inherit them.
            var priorities = new Dictionary<string, int>(StringComparer.Ordinal);
            using (var command = connection.CreateCommand())
            {
                command.CommandText = "SELECT instance_id, tags FROM instances WHERE tags IS NOT NULL AND completed_at IS NULL";
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    var priority = TagPriority(DataJson.DeserializeOrNull<Dictionary<string, string>>(reader.GetString(1)));
                    if (priority is { } p)
                    {
                        priorities[reader.GetString(0)] = p;
                    }
                }
            }

            return (messages, activities, priorities);
        });

        lock (_gate)
        {
            foreach (var (instanceId, key, message) in messages)
            {
                var entry = GetOrAddEntry(instanceId, key);
                entry.Priority = priorities.GetValueOrDefault(instanceId, _options.DefaultPriority);
                entry.Pending.Add(message);
            }

            foreach (var entry in _instances.Values)
            {
                OnMessagesAdded(entry, now);
            }

            foreach (var activity in activities)
            {
                activity.Priority = ActivityPriority(activity.Message, priorities.GetValueOrDefault(activity.InstanceId, _options.DefaultPriority));
                _activities.Add(activity.Id, activity);
                activity.VisibleAt = now;
                MakeActivityReady(activity);
            }
        }
    }

    // ---- Shared in-memory machinery (all under _gate) ----

    private DateTime UtcNow => _clock.GetUtcNow().UtcDateTime;

    private SqliteStore Store => _store ?? throw new InvalidOperationException("The SQLite orchestration service is not started (call StartAsync or CreateIfNotExistsAsync).");

    private long NewToken() => Interlocked.Increment(ref _lastToken);

    private InstanceEntry GetOrAddEntry(string instanceId, byte[]? key = null)
    {
        if (!_instances.TryGetValue(instanceId, out var entry))
        {
            entry = new InstanceEntry(instanceId, key ?? InstanceKey.Encode(instanceId)) { Priority = _options.DefaultPriority };
            _instances.Add(instanceId, entry);
        }

        return entry;
    }

    /// <summary>After messages were added to <paramref name="entry"/>: queue it, wake its session, or set a timer for the earliest.</summary>
    private void OnMessagesAdded(InstanceEntry entry, DateTime now)
    {
        // Every message is looked at: a future one (a timer) added while another is visible needs its own wake-up too, or
        // an extended session that took the visible one and then waits sleeps through the timer until its idle timeout.
        var earliest = DateTime.MaxValue;
        var visible = false;
        foreach (var message in entry.Pending)
        {
            if (message.Message.Event is ExecutionStartedEvent started)
            {
                // A new execution (a start, a sub-orchestration, continue-as-new) brings its own tags.
                entry.Priority = TagPriority(started.Tags) ?? _options.DefaultPriority;
            }

            if (message.VisibleAt <= now)
            {
                visible = true;
            }
            else if (message.VisibleAt < earliest)
            {
                earliest = message.VisibleAt;
            }
        }

        if (visible)
        {
            if (entry.LockToken == 0)
            {
                MakeReady(entry);
            }
            else if (entry.SessionWake is { } wake)
            {
                entry.SessionWake = null;
                wake.TrySetResult(true);
            }
        }

        // One wake-up per instance at a time (the earliest), so many messages beside one long timer add no timers.
        if (earliest < entry.WakeAt)
        {
            entry.WakeAt = earliest;
            AddDue(new DueItem(entry, null, 0), earliest);
        }
    }

    private void MakeReady(InstanceEntry entry)
    {
        if (entry.Queued)
        {
            return;
        }

        entry.Queued = true;
        if (entry.IsEntity && _options.UseSeparateQueueForEntityWorkItems)
        {
            _readyEntities.Enqueue(entry, entry.Priority, UtcNow);
            _entitySignal.Set();
        }
        else
        {
            _readyOrchestrations.Enqueue(entry, entry.Priority, UtcNow);
            _orchestrationSignal.Set();
        }
    }

    private void MakeActivityReady(ActivityEntry activity)
    {
        if (activity.Queued || activity.Done)
        {
            return;
        }

        if (activity.VisibleAt > UtcNow)
        {
            AddDue(new DueItem(null, activity, 0), activity.VisibleAt);
            return;
        }

        activity.Queued = true;
        _readyActivities.Enqueue(activity, activity.Priority, UtcNow);
        _activitySignal.Set();
    }

    /// <summary>The priority <paramref name="tags"/> name (clamped), or null when they name none.</summary>
    private int? TagPriority(IDictionary<string, string>? tags) =>
        tags is not null && tags.TryGetValue(_options.PriorityTag, out var value)
            && int.TryParse(value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var priority)
            ? Math.Clamp(priority, SqliteOrchestrationServiceOptions.MinPriority, SqliteOrchestrationServiceOptions.MaxPriority)
            : null;

    /// <summary>An activity's priority: its own <c>TaskScheduled</c> tag, else <paramref name="instancePriority"/>.</summary>
    private int ActivityPriority(TaskMessage message, int instancePriority) =>
        (message.Event as TaskScheduledEvent)?.Tags is { } tags ? TagPriority(tags) ?? instancePriority : instancePriority;

    /// <summary>Forgets an entry with nothing pending, locked or cached (bounded memory for many finished instances).</summary>
    private void TrimEntry(InstanceEntry entry)
    {
        if (entry.IsIdle && !entry.Queued && entry.History is null && _instances.TryGetValue(entry.InstanceId, out var current) && current == entry)
        {
            _instances.Remove(entry.InstanceId);
        }
    }

    private void CacheHistory(InstanceEntry entry, List<HistoryEvent>? history)
    {
        if (_options.HistoryCacheInstances == 0 || history is null)
        {
            DropHistory(entry);
            return;
        }

        entry.History = history;
        if (entry.CacheNode is null)
        {
            entry.CacheNode = _historyCache.AddFirst(entry);
        }
        else if (entry.CacheNode.List is not null && entry.CacheNode != _historyCache.First)
        {
            _historyCache.Remove(entry.CacheNode);
            _historyCache.AddFirst(entry.CacheNode);
        }

        while (_historyCache.Count > _options.HistoryCacheInstances && _historyCache.Last is { } oldest)
        {
            DropHistory(oldest.Value);
            TrimEntry(oldest.Value);
        }
    }

    private void DropHistory(InstanceEntry entry)
    {
        entry.History = null;
        if (entry.CacheNode is { } node)
        {
            if (node.List is not null)
            {
                _historyCache.Remove(node);
            }

            entry.CacheNode = null;
        }
    }

    private void AddDue(DueItem item, DateTime due)
    {
        var ticks = due.Ticks;
        _due.Enqueue(item, ticks);
        if (ticks < _timerDueTicks)
        {
            ScheduleTimer();
        }
    }

    private void ScheduleTimer()
    {
        if (_timer is null)
        {
            return;
        }

        if (!_due.TryPeek(out _, out var ticks))
        {
            _timerDueTicks = long.MaxValue;
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            return;
        }

        _timerDueTicks = ticks;
        var delay = new DateTime(ticks, DateTimeKind.Utc) - UtcNow;
        if (delay < TimeSpan.Zero)
        {
            delay = TimeSpan.Zero;
        }
        else if (delay > TimeSpan.FromDays(40))
        {
            delay = TimeSpan.FromDays(40); // timers cap near 49 days; wake and reschedule
        }

        _timer.Change(delay, Timeout.InfiniteTimeSpan);
    }

    private void OnTimer()
    {
        lock (_gate)
        {
            if (_store is null)
            {
                return;
            }

            var now = UtcNow;
            _timerDueTicks = long.MaxValue;
            while (_due.TryPeek(out var item, out var ticks) && ticks <= now.Ticks)
            {
                _due.Dequeue();
                if (item.Instance is { } entry)
                {
                    if (item.Token == 0)
                    {
                        if (entry.WakeAt <= now)
                        {
                            entry.WakeAt = DateTime.MaxValue;
                        }

                        OnMessagesAdded(entry, now);
                    }
                    else
                    {
                        ExpireOrchestrationLock(entry, item.Token, now);
                    }
                }
                else if (item.Activity is { } activity)
                {
                    if (item.Token == 0)
                    {
                        MakeActivityReady(activity);
                    }
                    else
                    {
                        ExpireActivityLock(activity, item.Token, now);
                    }
                }
            }

            ScheduleTimer();
        }
    }

    private TimeSpan AbandonDelay(int deliveryCount)
    {
        var seconds = Math.Pow(2, Math.Min(deliveryCount, 30));
        var delay = TimeSpan.FromSeconds(seconds);
        return delay > _options.MaxAbandonDelay ? _options.MaxAbandonDelay : delay;
    }

    /// <summary>Something due at a time: messages becoming visible (token 0) or a lock to check for expiry.</summary>
    private readonly record struct DueItem(InstanceEntry? Instance, ActivityEntry? Activity, long Token);
}
