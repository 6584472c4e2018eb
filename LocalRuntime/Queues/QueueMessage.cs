namespace LocalRuntime.Queues;

/// <summary>A queue message as one delivery (or a peek) sees it, whichever transport holds it.</summary>
/// <param name="Id">The message id (a GUID string on both transports).</param>
/// <param name="QueueName">The queue it is on.</param>
/// <param name="Body">The message content (already decoded from base64 where the queue's encoding says so).</param>
/// <param name="InsertedOn">When it was added.</param>
/// <param name="ExpiresOn">When the queue drops it unprocessed (time to live).</param>
/// <param name="NextVisibleOn">When it is (or was) visible next.</param>
/// <param name="DequeueCount">How often it has been received, this delivery included.</param>
/// <param name="PopReceipt">The receipt of this delivery (needed to delete or update it); null when peeked.</param>
public sealed record QueueMessage(
    string Id,
    string QueueName,
    BinaryData Body,
    DateTimeOffset InsertedOn,
    DateTimeOffset ExpiresOn,
    DateTimeOffset NextVisibleOn,
    long DequeueCount,
    string? PopReceipt)
{
    /// <summary>The body as UTF-8 text.</summary>
    public string Text => Body.ToString();
}
