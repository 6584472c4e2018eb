namespace ServerlessTasks.Functions.Security;

/// <summary>
/// The app's own API keys (section <c>Auth</c>): clients by name, each with its key and an optional tenant, e.g.
/// <c>Auth__ApiKeys__alice__Key</c> and <c>Auth__ApiKeys__alice__Tenant</c>. No keys: the app checks none (the host's
/// Functions keys, when configured, still apply).
/// </summary>
public sealed class ApiKeyOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Auth";

    /// <summary>The request header that carries the key.</summary>
    public const string Header = "x-api-key";

    /// <summary>Keys by client name (the name is what logs and rate limits see, never the key).</summary>
    public Dictionary<string, ApiKeyEntry> ApiKeys { get; } = new(StringComparer.Ordinal);

    /// <summary>Whether any key is configured (an empty key is an unset placeholder).</summary>
    public bool Enabled => ApiKeys.Values.Any(k => k.Key.Length > 0);
}

/// <summary>One client's key and tenant.</summary>
public sealed class ApiKeyEntry
{
    /// <summary>The secret the client sends in <see cref="ApiKeyOptions.Header"/>; at least 16 characters.</summary>
    public string Key { get; set; } = string.Empty;

    /// <summary>The tenant the client acts for, when tenants are used.</summary>
    public string? Tenant { get; set; }
}
