namespace ServerlessTasks.Webhooks;

/// <summary>Where one callback delivery stands.</summary>
public enum CallbackDeliveryStatus
{
    /// <summary>Accepted, not attempted yet.</summary>
    Pending,

    /// <summary>An attempt failed with a retryable error; the next one waits for its back-off.</summary>
    Retrying,

    /// <summary>The receiver answered 2xx.</summary>
    Delivered,

    /// <summary>Out of attempts or refused without retry; waits in the dead-letter queue for a redrive.</summary>
    DeadLettered,

    /// <summary>The endpoint answered 410 Gone (now or earlier): no further deliveries are attempted to it.</summary>
    Disabled,
}
