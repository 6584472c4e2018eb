namespace ServerlessTasks.Domain.Webhooks;

/// <summary>The outcome of verifying a received webhook.</summary>
public enum WebhookVerificationStatus
{
    /// <summary>A signature matched a configured secret and the timestamp is within tolerance.</summary>
    Valid,

    /// <summary><c>webhook-id</c>, <c>webhook-timestamp</c> or <c>webhook-signature</c> is missing or empty.</summary>
    MissingHeader,

    /// <summary>The timestamp is not a whole number of Unix seconds.</summary>
    InvalidTimestamp,

    /// <summary>The timestamp is older than the tolerance (a replay or a very late retry).</summary>
    TimestampTooOld,

    /// <summary>The timestamp is further in the future than the tolerance.</summary>
    TimestampTooNew,

    /// <summary>No <c>v1</c> signature matched any configured secret (tampered body, wrong secret, ...).</summary>
    NoMatchingSignature,
}
