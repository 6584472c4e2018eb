using System.Collections.Concurrent;
using System.Net;
using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.Logging;
using StorageQueueMessage = Azure.Storage.Queues.Models.QueueMessage;

namespace LocalRuntime.Queues;

/// <summary>
/// Azure Storage queues (Azurite or a real account) through <c>Azure.Storage.Queues</c>, with the extension's
/// <c>messageEncoding</c>: with <see cref="QueueMessageEncoding.Base64"/> bodies are base64 on the wire.
/// </summary>
/// <remarks>
/// Encoding is applied here rather than by the SDK so a message that is not valid base64 can be handled as
/// Microsoft's extension handles it: copied as received to the queue's poison queue and deleted, never delivered.
/// Other producers are invisible to this process, so only this process's own sends are signalled.
/// </remarks>
public sealed partial class AzureStorageQueueStore : IQueueStore
{
    private readonly QueueServiceClient _service;
    private readonly QueueMessageEncoding _encoding;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, QueueClient> _queues = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _created = new(StringComparer.Ordinal);

    /// <summary>A store over <paramref name="service"/>; the client must not encode itself (<see cref="QueueMessageEncoding.None"/>).</summary>
    public AzureStorageQueueStore(QueueServiceClient service, QueueMessageEncoding encoding, ILogger<AzureStorageQueueStore> logger, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(logger);
        _service = service;
        _encoding = encoding;
        _logger = logger;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <inheritdoc />
    public event Action<string>? MessageAdded;

    /// <summary>The account's queue endpoint.</summary>
    public Uri ServiceUri => _service.Uri;

    /// <inheritdoc />
    public string ProviderName => "azurestorage";

    /// <inheritdoc />
    public bool IsSignalled => false;

    /// <inheritdoc />
    public async Task CreateIfNotExistsAsync(string queueName, CancellationToken cancellation = default)
    {
        if (_created.ContainsKey(queueName))
        {
            return;
        }

        await Queue(queueName).CreateIfNotExistsAsync(cancellationToken: cancellation).ConfigureAwait(false);
        _created[queueName] = true;
    }

    /// <inheritdoc />
    public async Task<QueueMessage> SendAsync(string queueName, BinaryData body, TimeSpan? visibilityDelay = null, TimeSpan? timeToLive = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        var wire = Encode(body);
        var queue = Queue(queueName);
        Response<SendReceipt> sent;
        try
        {
            sent = await queue.SendMessageAsync(wire, visibilityDelay, timeToLive, cancellation).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == (int)HttpStatusCode.NotFound)
        {
            // As the extension does: create the queue on first use, then send again.
            _created.TryRemove(queueName, out _);
            await CreateIfNotExistsAsync(queueName, cancellation).ConfigureAwait(false);
            sent = await queue.SendMessageAsync(wire, visibilityDelay, timeToLive, cancellation).ConfigureAwait(false);
        }

        MessageAdded?.Invoke(queueName);
        var receipt = sent.Value;
        return new QueueMessage(receipt.MessageId, queueName, body, receipt.InsertionTime, receipt.ExpirationTime, receipt.TimeNextVisible, 0, null);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<QueueMessage>> ReceiveAsync(string queueName, int maxMessages, TimeSpan visibilityTimeout, CancellationToken cancellation = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        StorageQueueMessage[] received;
        try
        {
            received = (await Queue(queueName).ReceiveMessagesAsync(Math.Min(maxMessages, 32), visibilityTimeout, cancellation).ConfigureAwait(false)).Value;
        }
        catch (RequestFailedException ex) when (ex.Status == (int)HttpStatusCode.NotFound)
        {
            return [];
        }

        var messages = new List<QueueMessage>(received.Length);
        foreach (var message in received)
        {
            if (TryDecode(message.Body, out var body))
            {
                messages.Add(new QueueMessage(
                    message.MessageId,
                    queueName,
                    body,
                    message.InsertedOn ?? _time.GetUtcNow(),
                    message.ExpiresOn ?? DateTimeOffset.MaxValue,
                    message.NextVisibleOn ?? _time.GetUtcNow() + visibilityTimeout,
                    message.DequeueCount,
                    message.PopReceipt));
            }
            else
            {
                await ParkUndecodableAsync(queueName, message, cancellation).ConfigureAwait(false);
            }
        }

        return messages;
    }

    /// <inheritdoc />
    public async Task<QueueMessage?> UpdateVisibilityAsync(QueueMessage message, TimeSpan visibilityTimeout, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.PopReceipt is null)
        {
            return null;
        }

        try
        {
            var receipt = (await Queue(message.QueueName).UpdateMessageAsync(message.Id, message.PopReceipt, message: (BinaryData?)null, visibilityTimeout, cancellation).ConfigureAwait(false)).Value;
            MessageAdded?.Invoke(message.QueueName);
            return message with { PopReceipt = receipt.PopReceipt, NextVisibleOn = receipt.NextVisibleOn };
        }
        catch (RequestFailedException ex) when (IsGone(ex))
        {
            return null;
        }
    }

    /// <inheritdoc />
    public async Task<bool> DeleteAsync(QueueMessage message, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.PopReceipt is null)
        {
            return false;
        }

        try
        {
            await Queue(message.QueueName).DeleteMessageAsync(message.Id, message.PopReceipt, cancellation).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException ex) when (IsGone(ex))
        {
            return false;
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<QueueMessage>> PeekAsync(string queueName, int maxMessages = 32, CancellationToken cancellation = default)
    {
        PeekedMessage[] peeked;
        try
        {
            peeked = (await Queue(queueName).PeekMessagesAsync(Math.Clamp(maxMessages, 1, 32), cancellation).ConfigureAwait(false)).Value;
        }
        catch (RequestFailedException ex) when (ex.Status == (int)HttpStatusCode.NotFound)
        {
            return [];
        }

        var now = _time.GetUtcNow();
        return [.. peeked
            .Select(p => (Peeked: p, Ok: TryDecode(p.Body, out var body), Body: body))
            .Where(p => p.Ok)
            .Select(p => new QueueMessage(p.Peeked.MessageId, queueName, p.Body, p.Peeked.InsertedOn ?? now, p.Peeked.ExpiresOn ?? DateTimeOffset.MaxValue, now, p.Peeked.DequeueCount, null))];
    }

    /// <inheritdoc />
    public async Task<int> GetCountAsync(string queueName, CancellationToken cancellation = default)
    {
        try
        {
            return (await Queue(queueName).GetPropertiesAsync(cancellation).ConfigureAwait(false)).Value.ApproximateMessagesCount;
        }
        catch (RequestFailedException ex) when (ex.Status == (int)HttpStatusCode.NotFound)
        {
            return 0;
        }
    }

    /// <inheritdoc />
    public Task<DateTimeOffset?> GetNextVisibleTimeAsync(string queueName, CancellationToken cancellation = default) =>
        Task.FromResult<DateTimeOffset?>(null);

    private static bool IsGone(RequestFailedException ex) =>
        ex.Status is (int)HttpStatusCode.NotFound or (int)HttpStatusCode.BadRequest or (int)HttpStatusCode.Conflict;

    private QueueClient Queue(string name) => _queues.GetOrAdd(name, static (n, service) => service.GetQueueClient(n), _service);

    private BinaryData Encode(BinaryData body) =>
        _encoding == QueueMessageEncoding.Base64 ? BinaryData.FromString(Convert.ToBase64String(body.ToMemory().Span)) : body;

    private bool TryDecode(BinaryData wire, out BinaryData body)
    {
        if (_encoding != QueueMessageEncoding.Base64)
        {
            body = wire;
            return true;
        }

        var text = wire.ToString();
        var buffer = new byte[(text.Length * 3 / 4) + 3];
        if (Convert.TryFromBase64String(text, buffer, out var written))
        {
            body = BinaryData.FromBytes(buffer.AsMemory(0, written));
            return true;
        }

        body = wire;
        return false;
    }

    private async Task ParkUndecodableAsync(string queueName, StorageQueueMessage message, CancellationToken cancellation)
    {
        LogUndecodable(_logger, message.MessageId, queueName);
        var poison = QueueNames.PoisonQueueOf(queueName);
        if (poison is null)
        {
            return;
        }

        // Copied as received (not encoded again), then the original deleted.
        var target = Queue(poison);
        await target.CreateIfNotExistsAsync(cancellationToken: cancellation).ConfigureAwait(false);
        await target.SendMessageAsync(message.Body, cancellationToken: cancellation).ConfigureAwait(false);
        try
        {
            await Queue(queueName).DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellation).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (IsGone(ex))
        {
            // Someone else settled it meanwhile.
        }

        MessageAdded?.Invoke(poison);
    }

    [LoggerMessage(EventId = 3101, Level = LogLevel.Warning, Message = "Message decoding has failed (check the queues messageEncoding setting): message {MessageId} of '{Queue}' goes to its poison queue.")]
    private static partial void LogUndecodable(ILogger logger, string messageId, string queue);
}
