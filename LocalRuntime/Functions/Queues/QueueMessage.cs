namespace LocalRuntime.Functions.Queues;

/// <summary>A message of a local queue as one delivery sees it.</summary>
/// <param name="Id">The message id, unique within the store.</param>
/// <param name="QueueName">The queue it is on.</param>
/// <param name="Body">The message text (JSON for objects).</param>
/// <param name="InsertedAt">When it was enqueued.</param>
/// <param name="NextVisibleAt">When it is (or was) visible next.</param>
/// <param name="DequeueCount">How many times it has been dequeued, this delivery included.</param>
/// <param name="PopReceipt">The receipt of this delivery; null when not leased.</param>
public sealed record QueueMessage(
    long Id,
    string QueueName,
    string Body,
    DateTimeOffset InsertedAt,
    DateTimeOffset NextVisibleAt,
    long DequeueCount,
    string? PopReceipt);
