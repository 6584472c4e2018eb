namespace ServerlessTasks.Domain.Security;

/// <summary>The outcome of <see cref="CallbackUrlGuard.Check"/>.</summary>
public enum CallbackUrlVerdict
{
    /// <summary>The host is an IP literal whose address is allowed; no DNS lookup is needed.</summary>
    Allowed,

    /// <summary>
    /// The host is a name: resolve it and check every answer with <see cref="CallbackUrlGuard.IsAllowedAddress"/>,
    /// at submit and again at send (the answer may change in between).
    /// </summary>
    NeedsResolution,

    /// <summary>The URL must not be called; see the reason.</summary>
    Refused,
}
