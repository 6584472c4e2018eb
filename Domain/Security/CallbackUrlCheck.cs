using System.Net;

namespace ServerlessTasks.Domain.Security;

/// <summary>The result of checking a callback URL before any network access.</summary>
/// <param name="Verdict">Allowed, needs DNS resolution, or refused.</param>
/// <param name="Problem">Why it was refused; <see cref="CallbackUrlProblem.None"/> otherwise.</param>
/// <param name="Reason">Human-readable explanation.</param>
/// <param name="Host">The normalized host (IDNA form, IP literals in canonical form); null when malformed.</param>
/// <param name="Address">The address when the host is an IP literal in any notation (decimal, octal, hex, IPv6).</param>
/// <param name="Category">The address category when <paramref name="Address"/> is set.</param>
public sealed record CallbackUrlCheck(
    CallbackUrlVerdict Verdict,
    CallbackUrlProblem Problem,
    string Reason,
    string? Host,
    IPAddress? Address,
    AddressCategory? Category)
{
    /// <summary>True unless the URL was refused outright.</summary>
    public bool IsAcceptable => Verdict != CallbackUrlVerdict.Refused;
}
