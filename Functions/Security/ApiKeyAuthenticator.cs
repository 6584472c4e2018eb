using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace ServerlessTasks.Functions.Security;

/// <summary>
/// Finds the client a presented API key belongs to. Keys are compared as SHA-256 digests with
/// <see cref="CryptographicOperations.FixedTimeEquals"/>, against every configured key without stopping at a match,
/// so neither the time taken nor the key's length tells a caller how close a guess was.
/// </summary>
public sealed class ApiKeyAuthenticator
{
    private readonly (byte[] Digest, ClientIdentity Identity)[] _keys;

    /// <summary>Creates the authenticator over the configured keys.</summary>
    public ApiKeyAuthenticator(IOptions<ApiKeyOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        // An empty key is an unset placeholder (local.settings.sample.json lists one), not a key.
        _keys = [.. options.Value.ApiKeys.Where(k => k.Value.Key.Length > 0)
            .Select(k => (Digest(k.Value.Key), new ClientIdentity(k.Key, string.IsNullOrEmpty(k.Value.Tenant) ? null : k.Value.Tenant)))];
    }

    /// <summary>Whether keys are required at all.</summary>
    public bool Enabled => _keys.Length > 0;

    /// <summary>The client whose key <paramref name="presented"/> is, or null.</summary>
    public ClientIdentity? Authenticate(string? presented)
    {
        if (string.IsNullOrEmpty(presented))
        {
            return null;
        }

        var digest = Digest(presented);
        ClientIdentity? found = null;
        foreach (var (key, identity) in _keys)
        {
            if (CryptographicOperations.FixedTimeEquals(digest, key))
            {
                found ??= identity;
            }
        }

        return found;
    }

    private static byte[] Digest(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
