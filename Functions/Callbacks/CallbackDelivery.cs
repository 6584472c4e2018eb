namespace ServerlessTasks.Functions.Callbacks;

/// <summary>The input of <see cref="CallbackDeliveryOrchestrator"/>: everything needed to send, fixed at start.</summary>
/// <param name="DeliveryId">The delivery key.</param>
/// <param name="WebhookId">The <c>webhook-id</c>, the same on every attempt and redrive.</param>
/// <param name="WorkflowId">The orchestration it reports on.</param>
/// <param name="Url">The target.</param>
/// <param name="Body">The exact JSON body (the signature covers these bytes).</param>
/// <param name="MaxAttempts">Attempts before the dead-letter queue.</param>
/// <param name="InitialDelaySeconds">Back-off before the first retry.</param>
/// <param name="MaxDelaySeconds">Cap on any back-off.</param>
public sealed record CallbackDelivery(
    string DeliveryId,
    string WebhookId,
    string WorkflowId,
    string Url,
    string Body,
    int MaxAttempts,
    double InitialDelaySeconds,
    double MaxDelaySeconds)
{
    /// <summary>The task it reports on, for task events and single tasks.</summary>
    public string? TaskId { get; init; }

    /// <summary>The event name (<c>completed</c>, <c>task_started</c>, ...).</summary>
    public string? Event { get; init; }

    /// <summary>The reported event's HLC stamp; the <c>callback_delivered</c> event is stamped after it.</summary>
    public string? Hlc { get; init; }

    /// <summary>The subscription's slot (<see cref="CallbackSlots"/>), the journal identity of its <c>callback_delivered</c> event.</summary>
    public int Slot { get; init; } = CallbackSlots.Completion;

    /// <summary>
    /// True for an orchestration's own completion: the first attempt waits (at most <see cref="FinalStateWait"/>) until the
    /// orchestration has recorded its final state, so a receiver reading the status URL on receipt sees it.
    /// </summary>
    public bool AwaitFinalState { get; init; }

    /// <summary>The longest the first attempt waits for the final state before sending anyway.</summary>
    public static TimeSpan FinalStateWait { get; } = TimeSpan.FromSeconds(10);
}

/// <summary>One attempt of a delivery.</summary>
/// <param name="Delivery">The delivery.</param>
/// <param name="Attempt">1 for the first attempt (counted across redrives by the store).</param>
public sealed record CallbackAttempt(CallbackDelivery Delivery, int Attempt);

/// <summary>How an attempt went.</summary>
public enum CallbackAttemptOutcome
{
    /// <summary>2xx.</summary>
    Delivered,

    /// <summary>429, 5xx, timeout or connection error: try again after the back-off.</summary>
    Retryable,

    /// <summary>Another status (3xx redirects included), a refused address or no secret: dead-letter now.</summary>
    Rejected,

    /// <summary>410 now or earlier: the endpoint is disabled.</summary>
    Disabled,
}

/// <summary>The result of one attempt.</summary>
/// <param name="Outcome">What happened.</param>
/// <param name="StatusCode">The HTTP status, when there was one.</param>
/// <param name="Error">Why it failed.</param>
/// <param name="RetryAfterSeconds">The receiver's <c>Retry-After</c>, relative to the attempt (a floor for the back-off).</param>
public sealed record CallbackAttemptResult(CallbackAttemptOutcome Outcome, int? StatusCode, string? Error, double? RetryAfterSeconds);
