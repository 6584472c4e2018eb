using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ServerlessTasks.Domain.Webhooks;

/// <summary>
/// Signs webhook deliveries per Standard Webhooks: <c>v1,</c> + base64 HMAC-SHA256 over
/// <c>{webhook-id}.{webhook-timestamp}.{body}</c>, one signature per configured secret (space-separated),
/// so receivers keep verifying while secrets rotate.
/// </summary>
public sealed class WebhookSigner
{
    /// <summary>The signature version this signer produces.</summary>
    public const string Version = "v1";

    private readonly WebhookSecret[] secrets;

    /// <summary>Creates a signer.</summary>
    /// <param name="secrets">The active secrets, newest first; at least one.</param>
    public WebhookSigner(IEnumerable<WebhookSecret> secrets)
    {
        this.secrets = secrets.ToArray();
        if (this.secrets.Length == 0)
        {
            throw new ArgumentException("At least one webhook secret is required.", nameof(secrets));
        }
    }

    /// <summary>Creates a signer from <c>whsec_</c> strings.</summary>
    /// <param name="secrets">The active secrets, newest first; at least one.</param>
    public WebhookSigner(params string[] secrets)
        : this(secrets.Select(WebhookSecret.Parse))
    {
    }

    /// <summary>Number of secrets (and so of signatures per delivery).</summary>
    public int SecretCount => secrets.Length;

    /// <summary>
    /// A stable message id derived from a delivery key (e.g. <c>{workflow id}:{event}</c>), so a delivery
    /// re-sent after a crash carries the same <c>webhook-id</c>: <c>msg_</c> + 26 base32 characters.
    /// </summary>
    /// <param name="deliveryKey">What identifies the message across retries.</param>
    public static string CreateMessageId(string deliveryKey)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(deliveryKey), hash);
        const string Alphabet = "abcdefghijklmnopqrstuvwxyz234567";
        var text = new StringBuilder("msg_", 30);
        var bits = 0;
        var buffer = 0;
        foreach (var b in hash[..16])
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                bits -= 5;
                text.Append(Alphabet[(buffer >> bits) & 31]);
            }
        }

        if (bits > 0)
        {
            text.Append(Alphabet[(buffer << (5 - bits)) & 31]);
        }

        return text.ToString();
    }

    /// <summary>The base64 HMAC-SHA256 of <c>{id}.{timestamp}.{body}</c> under one secret (no <c>v1,</c> prefix).</summary>
    /// <param name="secret">The secret.</param>
    /// <param name="messageId">The <c>webhook-id</c>.</param>
    /// <param name="timestampSeconds">The <c>webhook-timestamp</c>.</param>
    /// <param name="body">The exact body bytes sent.</param>
    public static string ComputeSignature(WebhookSecret secret, string messageId, long timestampSeconds, ReadOnlySpan<byte> body) =>
        Convert.ToBase64String(ComputeMac(secret, messageId, timestampSeconds.ToString(CultureInfo.InvariantCulture), body));

    /// <summary>The <c>webhook-signature</c> value: one <c>v1,</c> entry per secret, space-separated.</summary>
    /// <param name="messageId">The <c>webhook-id</c>.</param>
    /// <param name="timestampSeconds">The <c>webhook-timestamp</c>.</param>
    /// <param name="body">The exact body bytes sent.</param>
    public string Sign(string messageId, long timestampSeconds, ReadOnlySpan<byte> body)
    {
        var text = new StringBuilder();
        foreach (var secret in secrets)
        {
            if (text.Length > 0)
            {
                text.Append(' ');
            }

            text.Append(Version).Append(',').Append(ComputeSignature(secret, messageId, timestampSeconds, body));
        }

        return text.ToString();
    }

    /// <summary>All three headers for one delivery attempt (call again with a fresh timestamp on retry).</summary>
    /// <param name="messageId">The <c>webhook-id</c>, the same on every retry.</param>
    /// <param name="attemptTime">When this attempt is sent.</param>
    /// <param name="body">The exact body bytes sent.</param>
    public WebhookHeaders CreateHeaders(string messageId, DateTimeOffset attemptTime, ReadOnlySpan<byte> body)
    {
        ValidateMessageId(messageId);
        var seconds = attemptTime.ToUnixTimeSeconds();
        return new WebhookHeaders(messageId, seconds.ToString(CultureInfo.InvariantCulture), Sign(messageId, seconds, body));
    }

    /// <summary>All three headers for one delivery attempt of a UTF-8 text body.</summary>
    /// <param name="messageId">The <c>webhook-id</c>, the same on every retry.</param>
    /// <param name="attemptTime">When this attempt is sent.</param>
    /// <param name="body">The body text, sent as UTF-8.</param>
    public WebhookHeaders CreateHeaders(string messageId, DateTimeOffset attemptTime, string body) =>
        CreateHeaders(messageId, attemptTime, Encoding.UTF8.GetBytes(body));

    internal static byte[] ComputeMac(WebhookSecret secret, string messageId, string timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes(string.Concat(messageId, ".", timestamp, "."));
        var content = new byte[prefix.Length + body.Length];
        prefix.CopyTo(content, 0);
        body.CopyTo(content.AsSpan(prefix.Length));
        return HMACSHA256.HashData(secret.Key, content);
    }

    private static void ValidateMessageId(string messageId)
    {
        // The id travels as a header value: printable ASCII without spaces.
        if (string.IsNullOrEmpty(messageId) || messageId.Any(c => c is < '!' or > '~'))
        {
            throw new ArgumentException("The webhook id must be non-empty printable ASCII without spaces.", nameof(messageId));
        }
    }
}
