using System.Diagnostics;
using DurableTask.Core;
using DurableTask.Core.Common;
using DurableTask.Core.Exceptions;
using DurableTask.Core.History;
using DurableTask.Core.Query;
using LocalRuntime.Sqlite.Dispatch;
using LocalRuntime.Sqlite.Storage;

namespace LocalRuntime.Sqlite;

/// <content>The client side: create (with dedupe), messages, waits, state, history, query, purge.</content>
public sealed partial class SqliteOrchestrationService
{
    /// <inheritdoc />
    public Task CreateTaskOrchestrationAsync(TaskMessage creationMessage) => CreateTaskOrchestrationAsync(creationMessage, null);

    /// <summary>
    /// Creates an instance (Pending) and queues its start (visible at its scheduled start time, if any). An existing
    /// instance whose status is in <paramref name="dedupeStatuses"/> makes it throw
    /// <see cref="OrchestrationAlreadyExistsException"/>; any other existing instance is replaced by a new execution.
    /// </summary>
    public async Task CreateTaskOrchestrationAsync(TaskMessage creationMessage, OrchestrationStatus[]? dedupeStatuses)
    {
        ArgumentNullException.ThrowIfNull(creationMessage);
        if (creationMessage.Event is not ExecutionStartedEvent start)
        {
            throw new ArgumentException("Only ExecutionStarted messages are supported.", nameof(creationMessage));
        }

        await EnsureOpenAsync();
        var instanceId = creationMessage.OrchestrationInstance.InstanceId;
        var key = InstanceKey.Encode(instanceId);
        var now = UtcNow;
        var visibleAt = VisibleAt(creationMessage, now);
        PendingMessage? inserted = null;
        await Store.Enqueue(new DelegateWrite(
            writer =>
            {
                var existing = writer.SelectInstance(key);
                if (existing is not null && dedupeStatuses is not null && dedupeStatuses.Contains(existing.Status))
                {
                    throw new OrchestrationAlreadyExistsException($"An Orchestration instance with the status {existing.Status} already exists.");
                }

                start.Generation ??= existing is null ? 0 : existing.Generation + 1;
                var state = new OrchestrationState
                {
                    OrchestrationInstance = creationMessage.OrchestrationInstance,
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
                    Generation = start.Generation,
                };
                writer.InsertInstance(key, state, Entities.IsEntityInstance(instanceId));
                if (existing is not null)
                {
                    writer.DeleteHistory(key);
                }

                var id = writer.NextId();
                writer.InsertMessage(id, key, DataJson.Ticks(visibleAt), DataJson.Serialize(creationMessage));
                inserted = new PendingMessage(id, creationMessage, visibleAt);
            },
            () =>
            {
                lock (_gate)
                {
                    var entry = GetOrAddEntry(instanceId, key);
                    DropHistory(entry);
                    entry.Pending.Add(inserted!);
                    OnMessagesAdded(entry, UtcNow);
                }
            }));
    }

    /// <inheritdoc />
    public Task SendTaskOrchestrationMessageAsync(TaskMessage message) => SendTaskOrchestrationMessageBatchAsync(message);

    /// <summary>
    /// Queues messages to instances in one transaction. A message to an instance that does not exist is dropped, as
    /// Microsoft's provider drops it (entities excepted: their first message starts them).
    /// </summary>
    public async Task SendTaskOrchestrationMessageBatchAsync(params TaskMessage[] messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (messages.Length == 0)
        {
            return;
        }

        await EnsureOpenAsync();
        var now = UtcNow;
        var prepared = messages.Select(m => (Message: m, Json: DataJson.Serialize(m), VisibleAt: VisibleAt(m, now))).ToList();
        var inserted = new List<(string InstanceId, PendingMessage Message)>();
        await Store.Enqueue(new DelegateWrite(
            writer =>
            {
                foreach (var (message, json, visibleAt) in prepared)
                {
                    var instanceId = message.OrchestrationInstance.InstanceId;
                    var key = InstanceKey.Encode(instanceId);
                    if (!Entities.IsEntityInstance(instanceId) && writer.SelectInstance(key) is null)
                    {
                        Log.DroppedMessage(_logger, instanceId, message.Event.EventType);
                        continue;
                    }

                    var id = writer.NextId();
                    writer.InsertMessage(id, key, DataJson.Ticks(visibleAt), json);
                    inserted.Add((instanceId, new PendingMessage(id, message, visibleAt)));
                }
            },
            () =>
            {
                lock (_gate)
                {
                    var current = UtcNow;
                    foreach (var (instanceId, message) in inserted)
                    {
                        var entry = GetOrAddEntry(instanceId);
                        entry.Pending.Add(message);
                        OnMessagesAdded(entry, current);
                    }
                }
            }));
    }

    /// <inheritdoc />
    public Task ForceTerminateTaskOrchestrationAsync(string instanceId, string reason) =>
        SendTaskOrchestrationMessageAsync(new TaskMessage
        {
            OrchestrationInstance = new OrchestrationInstance { InstanceId = instanceId },
            Event = new ExecutionTerminatedEvent(-1, reason),
        });

    /// <summary>
    /// Waits until the instance reaches a final status (Completed, Failed, Terminated, Canceled), woken by the commit
    /// that finishes it (no polling); null when <paramref name="timeout"/> passes first.
    /// </summary>
    public async Task<OrchestrationState?> WaitForOrchestrationAsync(string instanceId, string? executionId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(instanceId);
        if (timeout < TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentException($"The timeout cannot be negative (was {timeout}); use a positive value or Timeout.InfiniteTimeSpan.", nameof(timeout));
        }

        await EnsureOpenAsync();
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            Task signal;
            CancellationToken shutdown;
            lock (_gate)
            {
                // Registered before the read, so a completion committed between the two is not missed.
                if (!_completionWaiters.TryGetValue(instanceId, out var waiters))
                {
                    waiters = [];
                    _completionWaiters.Add(instanceId, waiters);
                }

                var waiter = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                waiters.Add(waiter);
                signal = waiter.Task;
                shutdown = _shutdown.Token;
            }

            try
            {
                var state = await GetOrchestrationStateAsync(instanceId, executionId);
                if (state is not null && IsTerminal(state.OrchestrationStatus))
                {
                    return state;
                }

                var remaining = timeout == Timeout.InfiniteTimeSpan ? TimeSpan.FromDays(30) : timeout - Stopwatch.GetElapsedTime(started);
                if (remaining <= TimeSpan.Zero || !await WaitAsync(signal, remaining, cancellationToken, shutdown))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    return null;
                }
            }
            finally
            {
                lock (_gate)
                {
                    if (_completionWaiters.TryGetValue(instanceId, out var waiters))
                    {
                        waiters.RemoveAll(w => w.Task == signal);
                        if (waiters.Count == 0)
                        {
                            _completionWaiters.Remove(instanceId);
                        }
                    }
                }
            }
        }
    }

    /// <summary>The instance's state (its current execution) as a one-element list, whose element is null when there is no such instance (as Microsoft's provider answers).</summary>
    public async Task<IList<OrchestrationState>> GetOrchestrationStateAsync(string instanceId, bool allExecutions)
    {
        var state = await GetStateAsync(instanceId, withInput: true);
        return [state!];
    }

    /// <inheritdoc />
    public async Task<OrchestrationState?> GetOrchestrationStateAsync(string instanceId, string? executionId)
    {
        var state = await GetStateAsync(instanceId, withInput: true);
        return state is null || string.IsNullOrEmpty(executionId) || state.OrchestrationInstance.ExecutionId == executionId ? state : null;
    }

    /// <summary>The instance's state, its input (and output) read only when <paramref name="withInput"/>; null when there is no such instance.</summary>
    public async Task<OrchestrationState?> GetStateAsync(string instanceId, bool withInput)
    {
        ArgumentNullException.ThrowIfNull(instanceId);
        await EnsureOpenAsync();
        var state = await Store.ReadAsync(reader => reader.GetState(instanceId, withInput));
        if (state is not null && !withInput)
        {
            state.Output = null;
        }

        return state;
    }

    /// <summary>The stored history of the instance's current execution (in order), as DTFx objects.</summary>
    public async Task<IReadOnlyList<HistoryEvent>> GetHistoryEventsAsync(string instanceId)
    {
        ArgumentNullException.ThrowIfNull(instanceId);
        await EnsureOpenAsync();
        return await Store.ReadAsync(reader => reader.GetHistory(instanceId));
    }

    /// <summary>The current execution's history as a JSON array (DTFx's typed JSON); only the current execution is kept.</summary>
    public async Task<string> GetOrchestrationHistoryAsync(string instanceId, string? executionId)
    {
        var history = await GetHistoryEventsAsync(instanceId);
        if (!string.IsNullOrEmpty(executionId)
            && history.OfType<ExecutionStartedEvent>().FirstOrDefault()?.OrchestrationInstance?.ExecutionId is { } current
            && current != executionId)
        {
            history = [];
        }

        return DurableTask.Core.Serializing.JsonDataConverter.Default.Serialize(history);
    }

    /// <summary>Deletes finished instances (and their history) whose time named by <paramref name="timeRangeFilterType"/> is before the threshold.</summary>
    public async Task PurgeOrchestrationHistoryAsync(DateTime thresholdDateTimeUtc, OrchestrationStateTimeRangeFilterType timeRangeFilterType)
    {
        await EnsureOpenAsync();
        var column = timeRangeFilterType switch
        {
            OrchestrationStateTimeRangeFilterType.OrchestrationCreatedTimeFilter => "created_at",
            OrchestrationStateTimeRangeFilterType.OrchestrationCompletedTimeFilter => "completed_at",
            _ => "last_updated_at",
        };
        var threshold = DataJson.Ticks(thresholdDateTimeUtc);
        var ids = await Store.ReadAsync(reader =>
        {
            using var command = reader.Connection.CreateCommand();
            command.CommandText = $"SELECT instance_id FROM instances WHERE {column} < @t AND status IN (1, 3, 4, 5)";
            command.Parameters.AddWithValue("@t", threshold);
            var found = new List<string>();
            using var rows = command.ExecuteReader();
            while (rows.Read())
            {
                found.Add(rows.GetString(0));
            }

            return found;
        });
        await PurgeAsync(ids);
    }

    /// <summary>Deletes the instance, whatever its status, with its history, queued messages and activity work items (as Microsoft's provider does).</summary>
    public async Task<PurgeResult> PurgeInstanceStateAsync(string instanceId)
    {
        ArgumentNullException.ThrowIfNull(instanceId);
        await EnsureOpenAsync();
        return new PurgeResult(await PurgeAsync([instanceId]));
    }

    /// <summary>Deletes the finished instances (Completed, Failed, Terminated, Canceled) the filter selects.</summary>
    public async Task<PurgeResult> PurgeInstanceStateAsync(PurgeInstanceFilter purgeInstanceFilter)
    {
        ArgumentNullException.ThrowIfNull(purgeInstanceFilter);
        await EnsureOpenAsync();
        var terminal = new[] { OrchestrationStatus.Completed, OrchestrationStatus.Failed, OrchestrationStatus.Terminated, OrchestrationStatus.Canceled };
        var statuses = purgeInstanceFilter.RuntimeStatus is null ? terminal : purgeInstanceFilter.RuntimeStatus.Where(terminal.Contains).ToArray();
        if (statuses.Length == 0)
        {
            return new PurgeResult(0);
        }

        var ids = await Store.ReadAsync(reader => reader.SelectIds(purgeInstanceFilter.CreatedTimeFrom, purgeInstanceFilter.CreatedTimeTo, statuses));
        return new PurgeResult(await PurgeAsync(ids), isComplete: true);
    }

    /// <summary>A page of instance states: filters by status, creation time, id prefix, task hub; ordered by instance id; the continuation token is opaque.</summary>
    public async Task<OrchestrationQueryResult> GetOrchestrationWithQueryAsync(OrchestrationQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        await EnsureOpenAsync();
        if (query.TaskHubNames is { Count: > 0 } hubs && !hubs.Contains(_options.TaskHubName, StringComparer.OrdinalIgnoreCase))
        {
            return new OrchestrationQueryResult([], null);
        }

        return await Store.ReadAsync(reader => reader.Query(query), cancellationToken);
    }

    private async Task<int> PurgeAsync(List<string> instanceIds)
    {
        if (instanceIds.Count == 0)
        {
            return 0;
        }

        var deleted = new List<string>();
        await Store.Enqueue(new DelegateWrite(
            writer =>
            {
                foreach (var instanceId in instanceIds)
                {
                    if (writer.DeleteInstance(InstanceKey.Encode(instanceId)))
                    {
                        deleted.Add(instanceId);
                    }
                }
            },
            () =>
            {
                lock (_gate)
                {
                    var purged = new HashSet<string>(instanceIds, StringComparer.Ordinal);
                    foreach (var instanceId in instanceIds)
                    {
                        if (_instances.TryGetValue(instanceId, out var entry))
                        {
                            entry.Pending.Clear();
                            DropHistory(entry);
                            TrimEntry(entry);
                        }
                    }

                    foreach (var activity in _activities.Values.Where(a => purged.Contains(a.InstanceId)).ToList())
                    {
                        activity.Done = true;
                        _activities.Remove(activity.Id);
                    }
                }
            }));
        return deleted.Count;
    }

    /// <summary>Wakes the waits for an instance that has just finished (under the gate).</summary>
    private void SignalCompletion(string instanceId)
    {
        if (_completionWaiters.TryGetValue(instanceId, out var waiters))
        {
            foreach (var waiter in waiters)
            {
                waiter.TrySetResult(true);
            }
        }
    }
}
