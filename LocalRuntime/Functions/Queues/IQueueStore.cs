namespace LocalRuntime.Functions.Queues;

/// <summary>
/// The host's own durable message queues (the local stand-in for Azure Storage queues): at-least-once
/// delivery with a lease per dequeue, visibility delays and dequeue counts.
/// </summary>
/// <remarks>
/// A dequeued message is hidden until its lease ends and carries a fresh pop receipt; only the holder of
/// that receipt may delete, release or move it, so a late duplicate of a finished delivery changes nothing.
/// </remarks>
public interface IQueueStore : IAsyncDisposable
{
    /// <summary>Raised after a message is stored (with the queue's name), so listeners wake without polling.</summary>
    event Action<string>? MessageAdded;

    /// <summary>The provider's name, for diagnostics.</summary>
    string ProviderName { get; }

    /// <summary>Creates tables/files as needed and returns messages leased by a previous (crashed) run to their queues.</summary>
    Task InitializeAsync(CancellationToken cancellation = default);

    /// <summary>Stores a message; it becomes visible after <paramref name="initialVisibilityDelay"/>.</summary>
    Task<QueueMessage> EnqueueAsync(string queueName, string body, TimeSpan? initialVisibilityDelay = null, CancellationToken cancellation = default);

    /// <summary>
    /// Leases up to <paramref name="maxMessages"/> visible messages, oldest first: each is hidden for
    /// <paramref name="lease"/>, its dequeue count grows by one and it gets a new pop receipt.
    /// </summary>
    Task<IReadOnlyList<QueueMessage>> DequeueAsync(string queueName, int maxMessages, TimeSpan lease, CancellationToken cancellation = default);

    /// <summary>Deletes a leased message; false when the receipt is stale (the lease ended or the message is gone).</summary>
    Task<bool> DeleteAsync(QueueMessage message, CancellationToken cancellation = default);

    /// <summary>Ends a lease early: the message becomes visible again after <paramref name="visibilityDelay"/>.</summary>
    Task<bool> ReleaseAsync(QueueMessage message, TimeSpan visibilityDelay, CancellationToken cancellation = default);

    /// <summary>Moves a leased message to another queue (the poison queue), visible at once with a zero dequeue count.</summary>
    Task<bool> MoveAsync(QueueMessage message, string targetQueueName, CancellationToken cancellation = default);

    /// <summary>The earliest time any message of the queue becomes visible; null when the queue is empty.</summary>
    Task<DateTimeOffset?> GetNextVisibleTimeAsync(string queueName, CancellationToken cancellation = default);

    /// <summary>All messages of a queue (visible or not) in insertion order, without leasing them.</summary>
    Task<IReadOnlyList<QueueMessage>> PeekAllAsync(string queueName, CancellationToken cancellation = default);
}
