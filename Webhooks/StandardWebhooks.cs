using ServerlessTasks.Domain.Webhooks;

namespace ServerlessTasks.Webhooks;

/// <summary>
/// For receivers of our callbacks: verify a delivery in one call. Pass the same secret text the service is
/// configured with (<c>Webhooks:Secrets</c>, <c>whsec_...</c>, several separated by spaces or commas during
/// rotation), the three headers and the exact body bytes. Reject anything that is not valid, and
/// de-duplicate on <c>webhook-id</c>: a delivery may arrive more than once.
/// </summary>
public static class StandardWebhooks
{
    /// <summary>Verifies a delivery: a <c>v1</c> signature matches one of the secrets, and the timestamp is within the tolerance.</summary>
    /// <param name="secrets">One or more <c>whsec_</c> secrets, space- or comma-separated.</param>
    /// <param name="webhookId">The <c>webhook-id</c> header.</param>
    /// <param name="webhookTimestamp">The <c>webhook-timestamp</c> header.</param>
    /// <param name="webhookSignature">The <c>webhook-signature</c> header.</param>
    /// <param name="body">The exact body bytes received.</param>
    /// <param name="time">The clock (system clock when null).</param>
    /// <param name="tolerance">Largest accepted clock difference (5 minutes when null).</param>
    public static WebhookVerificationResult Verify(
        string secrets, string? webhookId, string? webhookTimestamp, string? webhookSignature, ReadOnlySpan<byte> body, TimeProvider? time = null, TimeSpan? tolerance = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(secrets);
        var parsed = secrets.Split([' ', ',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(WebhookSecret.Parse);
        return new WebhookVerifier(parsed, time ?? TimeProvider.System, tolerance).Verify(webhookId, webhookTimestamp, webhookSignature, body);
    }

    /// <summary>True when <see cref="Verify"/> accepts the delivery.</summary>
    public static bool IsValid(
        string secrets, string? webhookId, string? webhookTimestamp, string? webhookSignature, ReadOnlySpan<byte> body, TimeProvider? time = null) =>
        Verify(secrets, webhookId, webhookTimestamp, webhookSignature, body, time).IsValid;
}
