using System.Security.Cryptography;

namespace ServerlessTasks.Domain.Webhooks;

/// <summary>
/// A Standard Webhooks signing secret: <c>whsec_</c> followed by the base64 key. The key never appears in
/// <see cref="ToString"/>, so a secret that ends up in a log line or exception is not leaked.
/// </summary>
public sealed class WebhookSecret
{
    /// <summary>The prefix of the text form.</summary>
    public const string Prefix = "whsec_";

    private readonly byte[] key;

    private WebhookSecret(byte[] key) => this.key = key;

    /// <summary>Key length in bytes.</summary>
    public int KeyLength => key.Length;

    internal ReadOnlySpan<byte> Key => key;

    /// <summary>Parses <c>whsec_&lt;base64&gt;</c> (the prefix is optional, as in the reference libraries).</summary>
    /// <param name="text">The secret text.</param>
    /// <exception cref="FormatException">Not base64 or empty.</exception>
    public static WebhookSecret Parse(string text) =>
        TryParse(text, out var secret) ? secret : throw new FormatException("The webhook secret must be 'whsec_' followed by base64.");

    /// <summary>Parses <c>whsec_&lt;base64&gt;</c>.</summary>
    /// <param name="text">The secret text.</param>
    /// <param name="secret">The secret when parsed.</param>
    /// <returns>True when parsed.</returns>
    public static bool TryParse(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out WebhookSecret? secret)
    {
        secret = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var encoded = text.StartsWith(Prefix, StringComparison.Ordinal) ? text[Prefix.Length..] : text;
        var buffer = new byte[(encoded.Length * 3 / 4) + 3];
        if (!Convert.TryFromBase64String(encoded, buffer, out var written) || written == 0)
        {
            return false;
        }

        secret = new WebhookSecret(buffer[..written]);
        return true;
    }

    /// <summary>A secret from raw key bytes.</summary>
    /// <param name="key">The key (copied).</param>
    public static WebhookSecret FromBytes(ReadOnlySpan<byte> key)
    {
        if (key.IsEmpty)
        {
            throw new ArgumentException("The key must not be empty.", nameof(key));
        }

        return new WebhookSecret(key.ToArray());
    }

    /// <summary>A new random 32-byte secret (for provisioning, not for deterministic code).</summary>
    public static WebhookSecret CreateRandom() => new(RandomNumberGenerator.GetBytes(32));

    /// <summary>The full <c>whsec_</c> text, for writing into configuration. Never log it.</summary>
    public string Reveal() => Prefix + Convert.ToBase64String(key);

    /// <summary>A redacted form that is safe to log.</summary>
    public override string ToString() => Prefix + "***";
}
