namespace ServerlessTasks.Webhooks;

/// <summary>The callback store in memory (tests, throwaway runs).</summary>
public sealed class InMemoryCallbackStore : ICallbackStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (CallbackRecord Record, long Order)> _records = new(StringComparer.Ordinal);
    private readonly HashSet<string> _disabled = new(StringComparer.Ordinal);
    private long _order;

    /// <inheritdoc />
    public Task InitializeAsync(CancellationToken cancellation = default) => Task.CompletedTask;

    /// <inheritdoc />
    public Task<CallbackRecord> AddAsync(CallbackRecord record, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        lock (_gate)
        {
            if (_records.TryGetValue(record.DeliveryId, out var existing))
            {
                return Task.FromResult(existing.Record);
            }

            _records[record.DeliveryId] = (record, ++_order);
            return Task.FromResult(record);
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<CallbackRecord>> AddRangeAsync(IReadOnlyList<CallbackRecord> records, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        lock (_gate)
        {
            var stored = new List<CallbackRecord>(records.Count);
            foreach (var record in records)
            {
                if (!_records.TryGetValue(record.DeliveryId, out var existing))
                {
                    existing = (record, ++_order);
                    _records[record.DeliveryId] = existing;
                }

                stored.Add(existing.Record);
            }

            return Task.FromResult<IReadOnlyList<CallbackRecord>>(stored);
        }
    }

    /// <inheritdoc />
    public Task SaveAsync(CallbackRecord record, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        lock (_gate)
        {
            _records[record.DeliveryId] = (record, ++_order);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<CallbackRecord?> GetAsync(string deliveryId, CancellationToken cancellation = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_records.TryGetValue(deliveryId, out var found) ? found.Record : null);
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<CallbackRecord>> ListForWorkflowAsync(string workflowId, CancellationToken cancellation = default)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<CallbackRecord>>(
                [.. _records.Values.Where(r => r.Record.WorkflowId == workflowId).OrderBy(r => r.Order).Select(r => r.Record)]);
        }
    }

    /// <inheritdoc />
    public Task<CallbackPage> ListByStatusAsync(CallbackDeliveryStatus status, int limit, int offset, CancellationToken cancellation = default)
    {
        lock (_gate)
        {
            var matching = _records.Values.Where(r => r.Record.Status == status).OrderBy(r => r.Order).Select(r => r.Record).ToList();
            return Task.FromResult(new CallbackPage([.. matching.Skip(offset).Take(limit)], matching.Count));
        }
    }

    /// <inheritdoc />
    public Task DisableEndpointAsync(string url, DateTimeOffset at, CancellationToken cancellation = default)
    {
        lock (_gate)
        {
            _disabled.Add(url);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<bool> IsEndpointDisabledAsync(string url, CancellationToken cancellation = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_disabled.Contains(url));
        }
    }
}
