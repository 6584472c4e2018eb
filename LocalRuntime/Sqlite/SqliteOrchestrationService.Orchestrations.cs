using System.Diagnostics;
using DurableTask.Core;
using DurableTask.Core.Common;
using DurableTask.Core.Exceptions;
using DurableTask.Core.History;
using LocalRuntime.Sqlite.Dispatch;
using LocalRuntime.Sqlite.Storage;

namespace LocalRuntime.Sqlite;

/// <content>Orchestration (and entity) work items: lock, checkpoint, abandon, release, renew, extended sessions.</content>
public sealed partial class SqliteOrchestrationService
{
    /// <inheritdoc />
    public Task<TaskOrchestrationWorkItem?> LockNextTaskOrchestrationWorkItemAsync(TimeSpan receiveTimeout, CancellationToken cancellationToken)
    {
        if (_options.UseSeparateQueueForEntityWorkItems)
        {
            throw new InvalidOperationException(
                "The provider dispatches entities separately (UseSeparateQueueForEntityWorkItems): fetch with LockNextOrchestrationWorkItemAsync and LockNextEntityWorkItemAsync.");
        }

        return LockNextAsync(_readyOrchestrations, _orchestrationSignal, receiveTimeout, cancellationToken);
    }

    /// <summary>The next orchestration work item (entities excluded), when entities are dispatched separately.</summary>
    public async Task<TaskOrchestrationWorkItem> LockNextOrchestrationWorkItemAsync(TimeSpan receiveTimeout, CancellationToken cancellationToken)
    {
        ThrowIfSingleQueue();
        return (await LockNextAsync(_readyOrchestrations, _orchestrationSignal, receiveTimeout, cancellationToken))!;
    }

    /// <summary>The next entity work item, when entities are dispatched separately.</summary>
    public async Task<TaskOrchestrationWorkItem> LockNextEntityWorkItemAsync(TimeSpan receiveTimeout, CancellationToken cancellationToken)
    {
        ThrowIfSingleQueue();
        return (await LockNextAsync(_readyEntities, _entitySignal, receiveTimeout, cancellationToken))!;
    }

    /// <inheritdoc />
    public Task RenewTaskOrchestrationWorkItemLockAsync(TaskOrchestrationWorkItem workItem)
    {
        var item = (LockedOrchestrationWorkItem)workItem;
        lock (_gate)
        {
            if (item.Entry.LockToken == item.Token)
            {
                item.Entry.LockedUntil = UtcNow + _options.WorkItemLockTimeout;
                item.LockedUntilUtc = item.Entry.LockedUntil;
            }
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task CompleteTaskOrchestrationWorkItemAsync(
        TaskOrchestrationWorkItem workItem,
        OrchestrationRuntimeState newOrchestrationRuntimeState,
        IList<TaskMessage> outboundMessages,
        IList<TaskMessage> orchestratorMessages,
        IList<TaskMessage> timerMessages,
        TaskMessage continuedAsNewMessage,
        OrchestrationState orchestrationState)
    {
        var item = (LockedOrchestrationWorkItem)workItem;
        var runtimeState = newOrchestrationRuntimeState ?? workItem.OrchestrationRuntimeState;
        var checkpoint = new Checkpoint(this, item, runtimeState, orchestrationState, outboundMessages, orchestratorMessages, timerMessages, continuedAsNewMessage);
        await Store.Enqueue(checkpoint);
        item.ExpectedExecutionId = runtimeState.OrchestrationInstance?.ExecutionId ?? item.ExpectedExecutionId;
        item.Batch = [];
    }

    /// <summary>Gives the batch back with a growing delay (2 s, 4 s, ... up to <see cref="SqliteOrchestrationServiceOptions.MaxAbandonDelay"/>).</summary>
    public Task AbandonTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem)
    {
        var item = (LockedOrchestrationWorkItem)workItem;
        lock (_gate)
        {
            var entry = item.Entry;
            if (entry.LockToken != item.Token)
            {
                return Task.CompletedTask;
            }

            var now = UtcNow;
            var earliest = DateTime.MaxValue;
            foreach (var message in entry.InFlight)
            {
                message.DeliveryCount++;
                message.VisibleAt = now + AbandonDelay(message.DeliveryCount);
                earliest = message.VisibleAt < earliest ? message.VisibleAt : earliest;
            }

            entry.ReturnInFlight();
            item.Batch = [];
            if (earliest != DateTime.MaxValue)
            {
                AddDue(new DueItem(entry, null, 0), earliest);
            }

            Log.Abandoned(_logger, entry.InstanceId, earliest == DateTime.MaxValue ? TimeSpan.Zero : earliest - now);
        }

        return Task.CompletedTask;
    }

    /// <summary>Unlocks the instance; messages that arrived meanwhile make it ready again.</summary>
    public Task ReleaseTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem)
    {
        var item = (LockedOrchestrationWorkItem)workItem;
        lock (_gate)
        {
            Unlock(item.Entry, item.Token);
        }

        return Task.CompletedTask;
    }

    private void Unlock(InstanceEntry entry, long token)
    {
        if (entry.LockToken != token)
        {
            return;
        }

        // Messages handed out but neither checkpointed nor abandoned are simply pending again.
        entry.ReturnInFlight();
        entry.LockToken = 0;
        entry.SessionWake?.TrySetResult(false);
        entry.SessionWake = null;
        OnMessagesAdded(entry, UtcNow);
        TrimEntry(entry);
    }

    private void ExpireOrchestrationLock(InstanceEntry entry, long token, DateTime now)
    {
        if (entry.LockToken != token)
        {
            return;
        }

        if (entry.LockedUntil > now || entry.Committing || entry.SessionWake is not null)
        {
            // Renewed, being checkpointed, or an idle session (alive in this process): look again later.
            AddDue(new DueItem(entry, null, token), (entry.LockedUntil > now ? entry.LockedUntil : now) + _options.WorkItemLockTimeout);
            return;
        }

        Log.LockExpired(_logger, entry.InstanceId);
        Unlock(entry, token);
    }

    private void ThrowIfSingleQueue()
    {
        if (!_options.UseSeparateQueueForEntityWorkItems)
        {
            throw new InvalidOperationException(
                "The provider dispatches entities with orchestrations (UseSeparateQueueForEntityWorkItems is off): fetch with LockNextTaskOrchestrationWorkItemAsync.");
        }
    }

    private async Task<TaskOrchestrationWorkItem?> LockNextAsync(ReadyQueue<InstanceEntry> queue, AsyncSignal signal, TimeSpan receiveTimeout, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            LockedOrchestrationWorkItem? item;
            Task wait;
            CancellationToken shutdown;
            lock (_gate)
            {
                if (_store is null)
                {
                    return null;
                }

                shutdown = _shutdown.Token;
                item = TryLock(queue);
                wait = item is null ? signal.WaitTask : Task.CompletedTask;
            }

            if (item is not null)
            {
                var workItem = await PrepareAsync(item);
                if (workItem is not null)
                {
                    return workItem;
                }

                continue;
            }

            var remaining = receiveTimeout - Stopwatch.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero || !await WaitAsync(wait, remaining, cancellationToken, shutdown))
            {
                return null;
            }
        }
    }

    /// <summary>Waits for <paramref name="signal"/>; false on timeout, cancellation or shutdown.</summary>
    private static async Task<bool> WaitAsync(Task signal, TimeSpan timeout, CancellationToken cancellation, CancellationToken shutdown)
    {
        if (signal.IsCompleted)
        {
            return true;
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellation, shutdown);
        // Waits are bounded in real time: a receive timeout or an idle session is not durable time (a fake clock in
        // tests would never end them).
        var delay = Task.Delay(timeout, linked.Token);
        var first = await Task.WhenAny(signal, delay);
        if (first == signal)
        {
            await linked.CancelAsync();
            return true;
        }

        return false;
    }

    /// <summary>Locks the first ready instance and takes its visible messages (under the gate).</summary>
    private LockedOrchestrationWorkItem? TryLock(ReadyQueue<InstanceEntry> queue)
    {
        var now = UtcNow;
        while (queue.TryDequeue(out var entry))
        {
            entry.Queued = false;
            if (entry.LockToken != 0 || !entry.HasVisible(now))
            {
                continue;
            }

            var token = NewToken();
            entry.LockToken = token;
            entry.LockedUntil = now + _options.WorkItemLockTimeout;
            var batch = entry.TakeVisible(now);
            AddDue(new DueItem(entry, null, token), entry.LockedUntil);
            return new LockedOrchestrationWorkItem(entry, token)
            {
                InstanceId = entry.InstanceId,
                LockedUntilUtc = entry.LockedUntil,
                Batch = batch,
            };
        }

        return null;
    }

    /// <summary>
    /// Loads the instance's history (from memory when cached) and decides, as Microsoft's provider does, whether the
    /// batch can run: messages to an instance that never started (other than an entity's first message) or to one
    /// that has finished are discarded. Null when discarded.
    /// </summary>
    private async Task<TaskOrchestrationWorkItem?> PrepareAsync(LockedOrchestrationWorkItem item)
    {
        var entry = item.Entry;
        List<HistoryEvent>? history;
        lock (_gate)
        {
            history = entry.History is { } cached ? [.. cached] : null;
        }

        if (history is null)
        {
            try
            {
                history = await Store.ReadAsync(reader => reader.GetHistory(entry.InstanceId));
            }
            catch (Exception ex)
            {
                Log.LoadFailed(_logger, entry.InstanceId, ex);
                lock (_gate)
                {
                    Unlock(entry, item.Token);
                }

                return null;
            }
        }

        var runtimeState = new OrchestrationRuntimeState(history);
        var messages = new List<TaskMessage>(item.Batch.Count);
        foreach (var message in item.Batch)
        {
            messages.Add(message.Message);
        }

        item.NewMessages = messages;
        item.OrchestrationRuntimeState = runtimeState;
        item.ExpectedExecutionId = runtimeState.ExecutionStartedEvent?.OrchestrationInstance?.ExecutionId;
        if (_options.ExtendedSessionsEnabled)
        {
            item.Session = new Session(this, item);
        }

        var reason = NotExecutableReason(runtimeState, messages, out var terminated);
        if (reason is null)
        {
            return item;
        }

        Log.Discarding(_logger, entry.InstanceId, messages.Count, reason);
        await DiscardAsync(item, terminated);
        return null;
    }

    private static string? NotExecutableReason(OrchestrationRuntimeState runtimeState, List<TaskMessage> messages, out ExecutionTerminatedEvent? terminated)
    {
        terminated = null;
        if (runtimeState.ExecutionStartedEvent is null && !messages.Exists(static m => m.Event is ExecutionStartedEvent))
        {
            if (Entities.AutoStart(messages[0].OrchestrationInstance.InstanceId, messages))
            {
                return null;
            }

            terminated = messages.LastOrDefault(static m => m.Event is ExecutionTerminatedEvent)?.Event as ExecutionTerminatedEvent;
            return runtimeState.Events.Count == 0 ? "no such instance" : "invalid history";
        }

        if (runtimeState.ExecutionStartedEvent is not null
            && runtimeState.OrchestrationStatus is not (OrchestrationStatus.Running or OrchestrationStatus.Pending or OrchestrationStatus.Suspended))
        {
            return "instance is " + runtimeState.OrchestrationStatus;
        }

        return null;
    }

    /// <summary>Deletes a discarded batch (a terminate for a never-started instance marks it terminated) and unlocks.</summary>
    private async Task DiscardAsync(LockedOrchestrationWorkItem item, ExecutionTerminatedEvent? terminated)
    {
        var entry = item.Entry;
        var ids = item.Batch.Where(static m => m.Id != 0).Select(static m => m.Id).ToList();
        var terminatedInstance = false;
        try
        {
            await Store.Enqueue(new DelegateWrite(
                writer =>
                {
                    foreach (var id in ids)
                    {
                        writer.DeleteMessage(id);
                    }

                    if (terminated is not null && writer.SelectInstance(entry.Key) is { Status: OrchestrationStatus.Pending })
                    {
                        writer.UpdateStatus(entry.Key, OrchestrationStatus.Terminated, UtcNow, terminated.Input);
                        terminatedInstance = true;
                    }
                },
                () =>
                {
                    lock (_gate)
                    {
                        if (entry.LockToken == item.Token)
                        {
                            entry.InFlight = [];
                        }

                        if (terminatedInstance)
                        {
                            // Its scheduled start (if any) must not run any more.
                            entry.Pending.RemoveAll(static m => m.Message.Event is ExecutionStartedEvent);
                            SignalCompletion(entry.InstanceId);
                        }
                    }
                }));
        }
        catch (Exception ex)
        {
            Log.CheckpointFailed(_logger, entry.InstanceId, ex);
        }
        finally
        {
            lock (_gate)
            {
                Unlock(entry, item.Token);
            }
        }
    }

    /// <summary>
    /// One orchestration checkpoint: the consumed messages, the new history, the instance row, activity work items,
    /// timers and messages to other instances, in one savepoint of a group commit; then the same in memory.
    /// </summary>
    private sealed class Checkpoint : WriteOperation
    {
        private readonly SqliteOrchestrationService _service;
        private readonly LockedOrchestrationWorkItem _item;
        private readonly OrchestrationState? _state;
        private readonly bool _newExecution;
        private readonly string? _executionId;
        private readonly string? _expectedExecutionId;
        private readonly long _firstSeq;
        private readonly List<string> _events;
        private readonly List<PendingMessage> _consumed;
        private readonly List<(TaskMessage Message, string Json)> _activities = [];
        private readonly List<(TaskMessage Message, string Json, DateTime VisibleAt)> _messages = [];
        private readonly List<HistoryEvent> _newEvents;
        private readonly List<ActivityEntry> _insertedActivities = [];
        private readonly List<(string InstanceId, PendingMessage Message, bool Reset)> _insertedMessages = [];

        public Checkpoint(
            SqliteOrchestrationService service,
            LockedOrchestrationWorkItem item,
            OrchestrationRuntimeState runtimeState,
            OrchestrationState? state,
            IList<TaskMessage> outbound,
            IList<TaskMessage> orchestratorMessages,
            IList<TaskMessage> timerMessages,
            TaskMessage? continuedAsNew)
        {
            _service = service;
            _item = item;
            _state = state;
            _consumed = item.Batch;
            _executionId = runtimeState.OrchestrationInstance?.ExecutionId;
            _expectedExecutionId = item.ExpectedExecutionId
                ?? item.Batch.Select(static m => m.Message.Event).OfType<ExecutionStartedEvent>().FirstOrDefault()?.OrchestrationInstance?.ExecutionId;
            _newExecution = item.ExpectedExecutionId != _executionId;

            // Serialized here, on the dispatcher's thread, so the writer thread only binds strings.
            var source = _newExecution ? runtimeState.Events : runtimeState.NewEvents;
            _newEvents = [.. source];
            _firstSeq = _newExecution ? 0 : runtimeState.Events.Count - runtimeState.NewEvents.Count;
            _events = new List<string>(_newEvents.Count);
            foreach (var e in _newEvents)
            {
                _events.Add(DataJson.Serialize(e));
            }

            var now = service.UtcNow;
            foreach (var message in outbound ?? [])
            {
                _activities.Add((message, DataJson.Serialize(message)));
            }

            foreach (var message in timerMessages ?? [])
            {
                _messages.Add((message, DataJson.Serialize(message), VisibleAt(message, now)));
            }

            foreach (var message in orchestratorMessages ?? [])
            {
                _messages.Add((message, DataJson.Serialize(message), VisibleAt(message, now)));
            }

            if (continuedAsNew is not null)
            {
                _messages.Add((continuedAsNew, DataJson.Serialize(continuedAsNew), VisibleAt(continuedAsNew, now)));
            }
        }

        public override void Apply(StoreWriter writer)
        {
            var entry = _item.Entry;
            lock (_service._gate)
            {
                if (entry.LockToken != _item.Token)
                {
                    throw new SessionAbortedException($"The work item lock on '{entry.InstanceId}' was lost (expired or released) before its checkpoint.");
                }

                entry.Committing = true;
            }

            var head = writer.SelectInstance(entry.Key);
            if (head is not null && _expectedExecutionId is not null && head.ExecutionId != _expectedExecutionId && !entry.IsEntity)
            {
                throw new SessionAbortedException(
                    $"Instance '{entry.InstanceId}' moved on to execution {head.ExecutionId} while execution {_expectedExecutionId} ran; its checkpoint is discarded.");
            }

            foreach (var message in _consumed)
            {
                if (message.Id != 0)
                {
                    writer.DeleteMessage(message.Id);
                }
            }

            if (_newExecution)
            {
                writer.DeleteHistory(entry.Key);
            }

            var seq = _firstSeq;
            foreach (var json in _events)
            {
                writer.InsertHistory(entry.Key, seq++, json);
            }

            if (_state is not null)
            {
                if (head is null)
                {
                    writer.InsertInstance(entry.Key, _state, entry.IsEntity);
                }
                else
                {
                    writer.UpdateInstance(entry.Key, _state, writeInput: _newExecution);
                }
            }

            foreach (var (message, json) in _activities)
            {
                var id = writer.NextId();
                writer.InsertActivity(id, entry.Key, json);
                _insertedActivities.Add(new ActivityEntry(id, message));
            }

            foreach (var (message, json, visibleAt) in _messages)
            {
                var targetId = message.OrchestrationInstance.InstanceId;
                var targetKey = InstanceKey.Encode(targetId);
                var reset = false;
                if (message.Event is ExecutionStartedEvent start)
                {
                    // A sub-orchestration: a new instance row (or a new execution of a finished one).
                    var target = writer.SelectInstance(targetKey);
                    if (target is null || IsTerminal(target.Status))
                    {
                        writer.InsertInstance(targetKey, PendingState(start, target), Entities.IsEntityInstance(targetId));
                        writer.DeleteHistory(targetKey);
                        reset = true;
                    }
                }
                else if (!Entities.IsEntityInstance(targetId) && writer.SelectInstance(targetKey) is null)
                {
                    // As Microsoft's provider: a message to an instance that does not exist goes nowhere.
                    continue;
                }

                var id = writer.NextId();
                writer.InsertMessage(id, targetKey, DataJson.Ticks(visibleAt), json);
                _insertedMessages.Add((targetId, new PendingMessage(id, message, visibleAt), reset));
            }
        }

        public override void Committed()
        {
            var service = _service;
            Interlocked.Increment(ref service._checkpoints);
            lock (service._gate)
            {
                var entry = _item.Entry;
                entry.Committing = false;
                if (ReferenceEquals(entry.InFlight, _consumed))
                {
                    entry.InFlight = [];
                }
                else if (_consumed.Count > 0)
                {
                    var consumed = new HashSet<PendingMessage>(_consumed);
                    entry.InFlight.RemoveAll(consumed.Contains);
                }
                UpdateCache(entry);
                if (_state is not null)
                {
                    entry.Priority = service.TagPriority(_state.Tags) ?? service._options.DefaultPriority;
                }

                var now = service.UtcNow;
                foreach (var (instanceId, message, reset) in _insertedMessages)
                {
                    var target = service.GetOrAddEntry(instanceId);
                    if (reset)
                    {
                        service.DropHistory(target);
                    }

                    target.Pending.Add(message);
                    service.OnMessagesAdded(target, now);
                }

                foreach (var activity in _insertedActivities)
                {
                    activity.VisibleAt = now;
                    activity.Priority = service.ActivityPriority(activity.Message, entry.Priority);
                    service._activities.Add(activity.Id, activity);
                    service.MakeActivityReady(activity);
                }

                if (_state is not null && IsTerminal(_state.OrchestrationStatus))
                {
                    service.SignalCompletion(entry.InstanceId);
                }
            }
        }

        public override void Failed()
        {
            lock (_service._gate)
            {
                _item.Entry.Committing = false;
            }
        }

        private void UpdateCache(InstanceEntry entry)
        {
            if (_state is not null && IsTerminal(_state.OrchestrationStatus))
            {
                // Finished instances are rarely run again: keep memory for the running ones.
                _service.DropHistory(entry);
                return;
            }

            if (_newExecution)
            {
                _service.CacheHistory(entry, [.. _newEvents]);
            }
            else if (entry.History is { } cached && cached.Count == _firstSeq)
            {
                cached.AddRange(_newEvents);
                _service.CacheHistory(entry, cached);
            }
            else
            {
                _service.DropHistory(entry);
            }
        }

        private static OrchestrationState PendingState(ExecutionStartedEvent start, InstanceHead? previous) => new()
        {
            OrchestrationInstance = start.OrchestrationInstance,
            Name = start.Name,
            Version = start.Version,
            Input = start.Input,
            Tags = start.Tags,
            ParentInstance = start.ParentInstance,
            ScheduledStartTime = start.ScheduledStartTime,
            OrchestrationStatus = OrchestrationStatus.Pending,
            CreatedTime = start.Timestamp,
            LastUpdatedTime = start.Timestamp,
            CompletedTime = DateTime.MaxValue,
            Generation = start.Generation ?? (previous is null ? 0 : previous.Generation + 1),
        };
    }

    internal static bool IsTerminal(OrchestrationStatus status) =>
        status is OrchestrationStatus.Completed or OrchestrationStatus.Failed or OrchestrationStatus.Terminated or OrchestrationStatus.Canceled;

    /// <summary>When a message becomes visible: a timer at its fire time, a scheduled start at its start time, a delayed entity signal at its due time.</summary>
    internal static DateTime VisibleAt(TaskMessage message, DateTime now)
    {
        var at = message.Event switch
        {
            TimerFiredEvent timer => ToUtc(timer.FireAt),
            ExecutionStartedEvent { ScheduledStartTime: { } start } => ToUtc(start),
            _ => Entities.IsDelayedEntityMessage(message, out var due) ? due : now,
        };
        return at < now ? now : at;
    }

    private static DateTime ToUtc(DateTime time) => time.Kind switch
    {
        DateTimeKind.Local => time.ToUniversalTime(),
        DateTimeKind.Unspecified => DateTime.SpecifyKind(time, DateTimeKind.Utc),
        _ => time,
    };

    /// <summary>
    /// An extended session: the dispatcher keeps the instance's runtime state and asks here for the messages that
    /// arrived since its last checkpoint, waking as soon as one is committed (or after the idle timeout).
    /// </summary>
    private sealed class Session(SqliteOrchestrationService service, LockedOrchestrationWorkItem item) : IOrchestrationSession
    {
        public async Task<IList<TaskMessage>?> FetchNewOrchestrationMessagesAsync(TaskOrchestrationWorkItem workItem)
        {
            var entry = item.Entry;
            var started = Stopwatch.GetTimestamp();
            while (true)
            {
                Task wake;
                CancellationToken shutdown;
                lock (service._gate)
                {
                    if (entry.LockToken != item.Token || service._store is null)
                    {
                        return null;
                    }

                    shutdown = service._shutdown.Token;
                    var now = service.UtcNow;
                    if (entry.HasVisible(now))
                    {
                        var batch = entry.TakeVisible(now);
                        item.Batch = batch;
                        entry.LockedUntil = now + service._options.WorkItemLockTimeout;
                        item.LockedUntilUtc = entry.LockedUntil;
                        return batch.ConvertAll(static m => m.Message);
                    }

                    entry.SessionWake ??= new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                    wake = entry.SessionWake.Task;
                }

                var remaining = service._options.ExtendedSessionIdleTimeout - Stopwatch.GetElapsedTime(started);
                if (remaining <= TimeSpan.Zero || !await WaitAsync(wake, remaining, CancellationToken.None, shutdown))
                {
                    lock (service._gate)
                    {
                        if (entry.LockToken == item.Token)
                        {
                            entry.SessionWake = null;
                        }
                    }

                    return null;
                }
            }
        }

        public Task EndSessionAsync() => Task.CompletedTask;
    }
}
