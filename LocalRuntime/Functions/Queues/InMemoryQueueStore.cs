namespace LocalRuntime.Functions.Queues;

/// <summary>Queues kept in memory: for tests and the in-memory durable store (lost when the process ends).</summary>
public sealed class InMemoryQueueStore(TimeProvider? timeProvider = null) : IQueueStore
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, List<Entry>> _queues = new(StringComparer.Ordinal);
    private long _lastId;

    /// <inheritdoc />
    public event Action<string>? MessageAdded;

    /// <inheritdoc />
    public string ProviderName => "memory";

    /// <inheritdoc />
    public Task InitializeAsync(CancellationToken cancellation = default) => Task.CompletedTask;

    /// <inheritdoc />
    public Task<QueueMessage> EnqueueAsync(string queueName, string body, TimeSpan? initialVisibilityDelay = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        var now = _time.GetUtcNow();
        Entry entry;
        lock (_gate)
        {
            entry = new Entry(++_lastId, body, now) { VisibleAt = now + (initialVisibilityDelay ?? TimeSpan.Zero) };
            Queue(queueName).Add(entry);
        }

        MessageAdded?.Invoke(queueName);
        return Task.FromResult(entry.ToMessage(queueName));
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<QueueMessage>> DequeueAsync(string queueName, int maxMessages, TimeSpan lease, CancellationToken cancellation = default)
    {
        var now = _time.GetUtcNow();
        var leased = new List<QueueMessage>();
        lock (_gate)
        {
            foreach (var entry in Queue(queueName).Where(e => e.VisibleAt <= now).OrderBy(e => e.VisibleAt).ThenBy(e => e.Id).Take(maxMessages))
            {
                entry.VisibleAt = now + lease;
                entry.DequeueCount++;
                entry.PopReceipt = Guid.NewGuid().ToString("N");
                leased.Add(entry.ToMessage(queueName));
            }
        }

        return Task.FromResult<IReadOnlyList<QueueMessage>>(leased);
    }

    /// <inheritdoc />
    public Task<bool> DeleteAsync(QueueMessage message, CancellationToken cancellation = default)
    {
        lock (_gate)
        {
            var entry = Leased(message);
            return Task.FromResult(entry is not null && Queue(message.QueueName).Remove(entry));
        }
    }

    /// <inheritdoc />
    public Task<bool> ReleaseAsync(QueueMessage message, TimeSpan visibilityDelay, CancellationToken cancellation = default)
    {
        lock (_gate)
        {
            var entry = Leased(message);
            if (entry is null)
            {
                return Task.FromResult(false);
            }

            entry.PopReceipt = null;
            entry.VisibleAt = _time.GetUtcNow() + visibilityDelay;
        }

        MessageAdded?.Invoke(message.QueueName);
        return Task.FromResult(true);
    }

    /// <inheritdoc />
    public Task<bool> MoveAsync(QueueMessage message, string targetQueueName, CancellationToken cancellation = default)
    {
        lock (_gate)
        {
            var entry = Leased(message);
            if (entry is null)
            {
                return Task.FromResult(false);
            }

            Queue(message.QueueName).Remove(entry);
            entry.PopReceipt = null;
            entry.DequeueCount = 0;
            entry.VisibleAt = _time.GetUtcNow();
            Queue(targetQueueName).Add(entry);
        }

        MessageAdded?.Invoke(targetQueueName);
        return Task.FromResult(true);
    }

    /// <inheritdoc />
    public Task<DateTimeOffset?> GetNextVisibleTimeAsync(string queueName, CancellationToken cancellation = default)
    {
        lock (_gate)
        {
            var queue = Queue(queueName);
            return Task.FromResult(queue.Count == 0 ? (DateTimeOffset?)null : queue.Min(e => e.VisibleAt));
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<QueueMessage>> PeekAllAsync(string queueName, CancellationToken cancellation = default)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<QueueMessage>>([.. Queue(queueName).OrderBy(e => e.Id).Select(e => e.ToMessage(queueName))]);
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private List<Entry> Queue(string name)
    {
        if (!_queues.TryGetValue(name, out var queue))
        {
            queue = [];
            _queues[name] = queue;
        }

        return queue;
    }

    private Entry? Leased(QueueMessage message) =>
        message.PopReceipt is null ? null : Queue(message.QueueName).Find(e => e.Id == message.Id && e.PopReceipt == message.PopReceipt);

    private sealed class Entry(long id, string body, DateTimeOffset insertedAt)
    {
        public long Id { get; } = id;

        public DateTimeOffset VisibleAt { get; set; }

        public long DequeueCount { get; set; }

        public string? PopReceipt { get; set; }

        public QueueMessage ToMessage(string queue) => new(Id, queue, body, insertedAt, VisibleAt, DequeueCount, PopReceipt);
    }
}
