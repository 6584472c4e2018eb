using System.Globalization;

namespace ServerlessTasks.Domain.Webhooks;

/// <summary>The three Standard Webhooks headers of one delivery attempt.</summary>
/// <param name="Id">Value of <c>webhook-id</c>: the same on every retry of one message (the receiver's idempotency key).</param>
/// <param name="Timestamp">Value of <c>webhook-timestamp</c>: Unix seconds of this attempt.</param>
/// <param name="Signature">Value of <c>webhook-signature</c>: space-separated <c>v1,&lt;base64&gt;</c> entries.</param>
public sealed record WebhookHeaders(string Id, string Timestamp, string Signature)
{
    /// <summary>Header carrying the message id.</summary>
    public const string IdHeader = "webhook-id";

    /// <summary>Header carrying the Unix timestamp in seconds.</summary>
    public const string TimestampHeader = "webhook-timestamp";

    /// <summary>Header carrying the signatures.</summary>
    public const string SignatureHeader = "webhook-signature";

    /// <summary>The headers as name/value pairs, ready to add to a request.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> ToList() =>
    [
        new(IdHeader, Id),
        new(TimestampHeader, Timestamp),
        new(SignatureHeader, Signature),
    ];

    /// <summary>The timestamp as Unix seconds.</summary>
    public long TimestampSeconds => long.Parse(Timestamp, NumberStyles.None, CultureInfo.InvariantCulture);
}
