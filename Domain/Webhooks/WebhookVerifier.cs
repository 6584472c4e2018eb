using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ServerlessTasks.Domain.Webhooks;

/// <summary>
/// Receiver-side verification of Standard Webhooks deliveries: the timestamp must be within the tolerance
/// (default 300 s, both directions, by the injected clock) and any <c>v1</c> signature must match any
/// configured secret, compared in constant time.
/// </summary>
public sealed class WebhookVerifier
{
    /// <summary>The tolerance of the Standard Webhooks reference libraries: five minutes.</summary>
    public static readonly TimeSpan DefaultTolerance = TimeSpan.FromMinutes(5);

    private readonly WebhookSecret[] secrets;
    private readonly TimeProvider timeProvider;

    /// <summary>Creates a verifier.</summary>
    /// <param name="secrets">Every secret currently accepted (old and new during rotation); at least one.</param>
    /// <param name="timeProvider">The clock for the freshness check.</param>
    /// <param name="tolerance">Largest accepted age or lead of the timestamp; <see cref="DefaultTolerance"/> when null.</param>
    public WebhookVerifier(IEnumerable<WebhookSecret> secrets, TimeProvider timeProvider, TimeSpan? tolerance = null)
    {
        this.secrets = secrets.ToArray();
        if (this.secrets.Length == 0)
        {
            throw new ArgumentException("At least one webhook secret is required.", nameof(secrets));
        }

        this.timeProvider = timeProvider;
        Tolerance = tolerance ?? DefaultTolerance;
        ArgumentOutOfRangeException.ThrowIfLessThan(Tolerance, TimeSpan.Zero, nameof(tolerance));
    }

    /// <summary>Largest accepted age or lead of the timestamp.</summary>
    public TimeSpan Tolerance { get; }

    /// <summary>Verifies a delivery.</summary>
    /// <param name="messageId">The <c>webhook-id</c> header.</param>
    /// <param name="timestamp">The <c>webhook-timestamp</c> header.</param>
    /// <param name="signatures">The <c>webhook-signature</c> header.</param>
    /// <param name="body">The exact body bytes received.</param>
    public WebhookVerificationResult Verify(string? messageId, string? timestamp, string? signatures, ReadOnlySpan<byte> body)
    {
        if (string.IsNullOrEmpty(messageId) || string.IsNullOrEmpty(timestamp) || string.IsNullOrWhiteSpace(signatures))
        {
            return new(WebhookVerificationStatus.MissingHeader, "A webhook-id, webhook-timestamp or webhook-signature header is missing.");
        }

        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
        {
            return new(WebhookVerificationStatus.InvalidTimestamp, "The webhook-timestamp is not Unix seconds.");
        }

        var age = timeProvider.GetUtcNow() - DateTimeOffset.FromUnixTimeSeconds(seconds);
        if (age > Tolerance)
        {
            return new(WebhookVerificationStatus.TimestampTooOld, "The webhook-timestamp is too old.");
        }

        if (-age > Tolerance)
        {
            return new(WebhookVerificationStatus.TimestampTooNew, "The webhook-timestamp is too far in the future.");
        }

        var expected = new byte[secrets.Length][];
        for (var i = 0; i < secrets.Length; i++)
        {
            expected[i] = WebhookSigner.ComputeMac(secrets[i], messageId, timestamp, body);
        }

        Span<byte> decoded = stackalloc byte[64];
        foreach (var entry in signatures.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var comma = entry.IndexOf(',', StringComparison.Ordinal);
            if (comma < 0 || !entry.AsSpan(0, comma).SequenceEqual(WebhookSigner.Version))
            {
                continue; // Other versions (e.g. v1a asymmetric) are not ours to check.
            }

            if (!Convert.TryFromBase64String(entry[(comma + 1)..], decoded, out var length))
            {
                continue;
            }

            foreach (var mac in expected)
            {
                if (CryptographicOperations.FixedTimeEquals(decoded[..length], mac))
                {
                    return new(WebhookVerificationStatus.Valid, "The webhook signature is valid.");
                }
            }
        }

        return new(WebhookVerificationStatus.NoMatchingSignature, "No webhook signature matches a configured secret.");
    }

    /// <summary>Verifies a delivery with a UTF-8 text body.</summary>
    /// <param name="messageId">The <c>webhook-id</c> header.</param>
    /// <param name="timestamp">The <c>webhook-timestamp</c> header.</param>
    /// <param name="signatures">The <c>webhook-signature</c> header.</param>
    /// <param name="body">The body text as received.</param>
    public WebhookVerificationResult Verify(string? messageId, string? timestamp, string? signatures, string body) =>
        Verify(messageId, timestamp, signatures, Encoding.UTF8.GetBytes(body));

    /// <summary>Verifies a delivery and throws when it is not valid.</summary>
    /// <param name="messageId">The <c>webhook-id</c> header.</param>
    /// <param name="timestamp">The <c>webhook-timestamp</c> header.</param>
    /// <param name="signatures">The <c>webhook-signature</c> header.</param>
    /// <param name="body">The exact body bytes received.</param>
    /// <exception cref="WebhookVerificationException">The webhook is not authentic or not fresh.</exception>
    public void VerifyOrThrow(string? messageId, string? timestamp, string? signatures, ReadOnlySpan<byte> body)
    {
        var result = Verify(messageId, timestamp, signatures, body);
        if (!result.IsValid)
        {
            throw new WebhookVerificationException(result);
        }
    }
}
