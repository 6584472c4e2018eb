using System.Security.Cryptography;

namespace ServerlessTasks.Domain.Workers;

/// <summary>Lease tokens: 256 random bits, URL-safe, so a token cannot be guessed from another.</summary>
public static class LeaseTokens
{
    /// <summary>A new token (43 characters of base64url).</summary>
    public static string Create() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))
        .TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
