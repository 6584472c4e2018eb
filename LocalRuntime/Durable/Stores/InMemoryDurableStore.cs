using LocalRuntime.Durable.Engine;
using Microsoft.DurableTask.Client;

namespace LocalRuntime.Durable.Stores;

/// <summary>
/// A store that lives in process memory: nothing survives a restart. For tests and benchmarks; it
/// honours the same atomicity and exactly-once contract as the durable stores.
/// </summary>
public sealed class InMemoryDurableStore : IDurableStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, InstanceRecord> _instances = new(StringComparer.Ordinal);
    private readonly SortedDictionary<long, OrchestrationMessage> _messages = [];
    private readonly Dictionary<long, ActivityWorkItem> _activities = [];
    private long _maxId;

    /// <inheritdoc />
    public string ProviderName => "memory";

    /// <inheritdoc />
    public Task InitializeAsync(CancellationToken cancellation = default) => Task.CompletedTask;

    /// <inheritdoc />
    public Task<CreateInstanceResult> CreateInstanceAsync(
        InstanceState state,
        OrchestrationMessage startMessage,
        IReadOnlyCollection<OrchestrationRuntimeStatus> blockingStatuses,
        CancellationToken cancellation = default)
    {
        lock (_gate)
        {
            if (_instances.TryGetValue(state.InstanceId, out var existing))
            {
                if (blockingStatuses.Contains(existing.State.Status))
                {
                    return Task.FromResult(new CreateInstanceResult(false, existing.State));
                }

                RemoveInstance(state.InstanceId);
            }

            _instances[state.InstanceId] = new InstanceRecord(state);
            AddMessage(startMessage);
            return Task.FromResult(new CreateInstanceResult(true, null));
        }
    }

    /// <inheritdoc />
    public Task<InstanceState?> GetInstanceAsync(string instanceId, CancellationToken cancellation = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_instances.TryGetValue(instanceId, out var record) ? record.State : null);
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<HistoryEvent>> GetHistoryAsync(string instanceId, CancellationToken cancellation = default)
    {
        lock (_gate)
        {
            IReadOnlyList<HistoryEvent> history = _instances.TryGetValue(instanceId, out var record) ? [.. record.History] : [];
            return Task.FromResult(history);
        }
    }

    /// <inheritdoc />
    public Task<InstancePage> QueryInstancesAsync(InstanceFilter filter, CancellationToken cancellation = default)
    {
        lock (_gate)
        {
            var matches = _instances.Values
                .Select(r => r.State)
                .Where(s => InstanceFilterMatcher.Matches(filter, s))
                .Where(s => filter.ContinuationToken is null || string.CompareOrdinal(s.InstanceId, filter.ContinuationToken) > 0)
                .OrderBy(s => s.InstanceId, StringComparer.Ordinal)
                .Take(filter.PageSize + 1)
                .ToList();
            return Task.FromResult(InstanceFilterMatcher.ToPage(matches, filter.PageSize));
        }
    }

    /// <inheritdoc />
    public Task<bool> PurgeInstanceAsync(string instanceId, CancellationToken cancellation = default)
    {
        lock (_gate)
        {
            return Task.FromResult(RemoveInstance(instanceId));
        }
    }

    /// <inheritdoc />
    public Task SendMessagesAsync(IReadOnlyList<OrchestrationMessage> messages, CancellationToken cancellation = default)
    {
        lock (_gate)
        {
            foreach (var message in messages)
            {
                AddMessage(message);
            }
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task DiscardMessagesAsync(IReadOnlyList<long> messageIds, CancellationToken cancellation = default)
    {
        lock (_gate)
        {
            foreach (var id in messageIds)
            {
                _messages.Remove(id);
            }
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task CommitCheckpointAsync(OrchestrationCheckpoint checkpoint, CancellationToken cancellation = default)
    {
        lock (_gate)
        {
            if (!_instances.TryGetValue(checkpoint.State.InstanceId, out var record))
            {
                record = new InstanceRecord(checkpoint.State);
                _instances[checkpoint.State.InstanceId] = record;
            }

            // Input never changes within an execution: only continue-as-new (a new history) brings a new one.
            record.State = checkpoint.ReplaceHistory || ReferenceEquals(checkpoint.State.Input, record.State.Input)
                ? checkpoint.State
                : checkpoint.State with { Input = record.State.Input };
            if (checkpoint.ReplaceHistory)
            {
                record.History.Clear();
            }

            record.History.AddRange(checkpoint.NewEvents);
            var consumed = checkpoint.ConsumedMessageIds;
            for (var i = 0; i < consumed.Count; i++)
            {
                _messages.Remove(consumed[i]);
            }

            foreach (var child in checkpoint.NewInstances)
            {
                if (!_instances.TryGetValue(child.InstanceId, out var existing) || existing.State.IsTerminal)
                {
                    _instances[child.InstanceId] = new InstanceRecord(child);
                }
            }

            var outbound = checkpoint.OutboundMessages;
            for (var i = 0; i < outbound.Count; i++)
            {
                AddMessage(outbound[i]);
            }

            var activities = checkpoint.NewActivities;
            for (var i = 0; i < activities.Count; i++)
            {
                _activities[activities[i].Id] = activities[i];
                _maxId = Math.Max(_maxId, activities[i].Id);
            }
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<bool> CompleteActivityAsync(long workItemId, OrchestrationMessage result, CancellationToken cancellation = default)
    {
        lock (_gate)
        {
            if (!_activities.Remove(workItemId))
            {
                return Task.FromResult(false);
            }

            AddMessage(result);
            return Task.FromResult(true);
        }
    }

    /// <inheritdoc />
    public Task<PendingWork> LoadPendingWorkAsync(CancellationToken cancellation = default)
    {
        lock (_gate)
        {
            return Task.FromResult(new PendingWork(
                [.. _messages.Values],
                [.. _activities.Values.OrderBy(a => a.Id)],
                _maxId));
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private void AddMessage(OrchestrationMessage message)
    {
        _messages[message.Id] = message;
        _maxId = Math.Max(_maxId, message.Id);
    }

    private bool RemoveInstance(string instanceId)
    {
        if (!_instances.Remove(instanceId))
        {
            return false;
        }

        foreach (var id in _messages.Where(m => m.Value.InstanceId == instanceId).Select(m => m.Key).ToList())
        {
            _messages.Remove(id);
        }

        foreach (var id in _activities.Where(a => a.Value.InstanceId == instanceId).Select(a => a.Key).ToList())
        {
            _activities.Remove(id);
        }

        return true;
    }

    private sealed class InstanceRecord(InstanceState state)
    {
        public InstanceState State { get; set; } = state;

        public List<HistoryEvent> History { get; } = [];
    }
}
