namespace LocalRuntime.Queues;

/// <summary>
/// One queue transport (the embedded SQLite queue or an Azure Storage account): at-least-once delivery with a
/// visibility timeout per receive, pop receipts and dequeue counts, as Azure Storage queues behave.
/// </summary>
/// <remarks>
/// Only the holder of a delivery's current pop receipt may delete or update it: a late settle of a delivery whose
/// lease ran out changes nothing. Queues are created when first used.
/// </remarks>
public interface IQueueStore
{
    /// <summary>Raised (with the queue's name) when this process adds a message or makes one visible, so listeners wake without polling.</summary>
    event Action<string>? MessageAdded;

    /// <summary>The transport's name, for logs (<c>sqlite</c> or <c>azurestorage</c>).</summary>
    string ProviderName { get; }

    /// <summary>
    /// Whether <see cref="GetNextVisibleTimeAsync"/> answers and every change is signalled through
    /// <see cref="MessageAdded"/>, so a listener never needs to poll.
    /// </summary>
    bool IsSignalled { get; }

    /// <summary>Creates the queue when it does not exist.</summary>
    Task CreateIfNotExistsAsync(string queueName, CancellationToken cancellation = default);

    /// <summary>Adds a message (creating the queue when missing); it becomes visible after <paramref name="visibilityDelay"/>.</summary>
    /// <param name="queueName">The queue.</param>
    /// <param name="body">The content.</param>
    /// <param name="visibilityDelay">How long it stays hidden first (none by default).</param>
    /// <param name="timeToLive">How long it lives unprocessed (7 days by default, as in Azure).</param>
    /// <param name="cancellation">Cancels the call.</param>
    Task<QueueMessage> SendAsync(string queueName, BinaryData body, TimeSpan? visibilityDelay = null, TimeSpan? timeToLive = null, CancellationToken cancellation = default);

    /// <summary>
    /// Receives up to <paramref name="maxMessages"/> visible messages (oldest first where the transport orders): each
    /// is hidden for <paramref name="visibilityTimeout"/>, its dequeue count grows by one and it gets a new pop receipt.
    /// An empty list when none is visible or the queue does not exist.
    /// </summary>
    Task<IReadOnlyList<QueueMessage>> ReceiveAsync(string queueName, int maxMessages, TimeSpan visibilityTimeout, CancellationToken cancellation = default);

    /// <summary>
    /// Hides a received message for <paramref name="visibilityTimeout"/> from now (renewing a lease, or releasing it
    /// for a retry later); returns the delivery with its new pop receipt, or null when the receipt is stale or the message gone.
    /// </summary>
    Task<QueueMessage?> UpdateVisibilityAsync(QueueMessage message, TimeSpan visibilityTimeout, CancellationToken cancellation = default);

    /// <summary>Deletes a received message; false when the receipt is stale or the message gone.</summary>
    Task<bool> DeleteAsync(QueueMessage message, CancellationToken cancellation = default);

    /// <summary>Up to <paramref name="maxMessages"/> messages of a queue without receiving them (visible ones only, as Azure peeks).</summary>
    Task<IReadOnlyList<QueueMessage>> PeekAsync(string queueName, int maxMessages = 32, CancellationToken cancellation = default);

    /// <summary>How many messages the queue holds, visible or not (approximate on Azure); 0 when it does not exist.</summary>
    Task<int> GetCountAsync(string queueName, CancellationToken cancellation = default);

    /// <summary>The earliest time any message of the queue becomes visible; null when empty or when the transport cannot tell.</summary>
    Task<DateTimeOffset?> GetNextVisibleTimeAsync(string queueName, CancellationToken cancellation = default);
}
