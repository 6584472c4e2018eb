namespace ServerlessTasks.Domain.Webhooks;

/// <summary>The result of <see cref="WebhookVerifier.Verify(string?, string?, string?, ReadOnlySpan{byte})"/>.</summary>
/// <param name="Status">What was found.</param>
/// <param name="Message">Human-readable explanation (never contains secrets).</param>
public sealed record WebhookVerificationResult(WebhookVerificationStatus Status, string Message)
{
    /// <summary>True when the webhook is authentic and fresh.</summary>
    public bool IsValid => Status == WebhookVerificationStatus.Valid;
}
