using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ServerlessTasks.Domain.Security;

/// <summary>
/// Pure SSRF pre-check for callback URLs: scheme, user information, and IP-literal hosts in every notation
/// a resolver accepts (dotted, decimal <c>2130706433</c>, octal <c>0177.0.0.1</c>, hex <c>0x7f.1</c>,
/// short forms <c>127.1</c>, IPv6 and IPv4-mapped IPv6). Host names must still be resolved and their
/// addresses checked with <see cref="IsAllowedAddress"/> at submit and at send; this type does no I/O.
/// </summary>
public static class CallbackUrlGuard
{
    /// <summary>
    /// True when <paramref name="address"/> may be called: public addresses always, loopback only when
    /// <paramref name="allowLoopback"/> (development mode).
    /// </summary>
    /// <param name="address">The address.</param>
    /// <param name="allowLoopback">Development mode: allow loopback addresses.</param>
    public static bool IsAllowedAddress(IPAddress address, bool allowLoopback) => AddressClassifier.Classify(address) switch
    {
        AddressCategory.Public => true,
        AddressCategory.Loopback => allowLoopback,
        _ => false,
    };

    /// <summary>Checks a callback URL without any network access.</summary>
    /// <param name="url">The URL as submitted.</param>
    /// <param name="allowLoopback">Development mode: allow loopback literals and <c>localhost</c>.</param>
    /// <returns>The verdict, reason, normalized host and literal address (if any).</returns>
    public static CallbackUrlCheck Check(string? url, bool allowLoopback)
    {
        if (string.IsNullOrWhiteSpace(url) || !Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            return Refuse(CallbackUrlProblem.Malformed, "The callback URL is not an absolute URL.", null);
        }

        if (!uri.OriginalString.TrimStart().StartsWith(uri.Scheme + ":", StringComparison.OrdinalIgnoreCase))
        {
            // Uri turns bare paths into implicit file: URIs; they are not URLs a client meant to give us.
            return Refuse(CallbackUrlProblem.Malformed, "The callback URL is not an absolute URL.", null);
        }

        if (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
        {
            return Refuse(CallbackUrlProblem.UnsupportedScheme, $"The callback URL scheme '{uri.Scheme}' is not http or https.", null);
        }

        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            return Refuse(CallbackUrlProblem.UserInfo, "The callback URL must not contain user information.", null);
        }

        // IdnHost applies IDNA mapping (e.g. full-width or circled digits become ASCII digits), so
        // numeric hosts are parsed in the form a resolver would see.
        var host = uri.IdnHost;
        if (!Ascii.IsValid(host))
        {
            // A well-formed international name maps to ASCII (punycode). What is left is text whose meaning
            // depends on the resolver's Unicode mapping (e.g. circled or full-width digits that may become
            // an IP literal), so refuse it rather than guess.
            return Refuse(CallbackUrlProblem.Malformed, "The callback host contains characters that do not map to a host name.", null);
        }

        if (TryParseHostAddress(host, uri.HostNameType, out var address))
        {
            var category = AddressClassifier.Classify(address);
            var canonical = address.ToString();
            return IsAllowedAddress(address, allowLoopback)
                ? new CallbackUrlCheck(CallbackUrlVerdict.Allowed, CallbackUrlProblem.None, "The callback address is public.", canonical, address, category)
                : new CallbackUrlCheck(
                    CallbackUrlVerdict.Refused,
                    CallbackUrlProblem.BlockedAddress,
                    $"The callback address {canonical} is {Describe(category)}.",
                    canonical,
                    address,
                    category);
        }

        var name = host.TrimEnd('.').ToLowerInvariant();
        if (name is "localhost" || name.EndsWith(".localhost", StringComparison.Ordinal))
        {
            return allowLoopback
                ? new CallbackUrlCheck(CallbackUrlVerdict.NeedsResolution, CallbackUrlProblem.None, "Loopback name allowed in development mode.", name, null, null)
                : Refuse(CallbackUrlProblem.BlockedHostName, $"The callback host '{name}' names the local machine.", name);
        }

        return new CallbackUrlCheck(CallbackUrlVerdict.NeedsResolution, CallbackUrlProblem.None, "Resolve the host and check every address.", name, null, null);
    }

    /// <summary>True when the URL is absolute with an http or https scheme.</summary>
    /// <param name="url">The URL.</param>
    public static bool HasAllowedScheme(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);

    /// <summary>True when the URL is absolute and carries user information.</summary>
    /// <param name="url">The URL.</param>
    public static bool HasUserInfo(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && !string.IsNullOrEmpty(uri.UserInfo);

    /// <summary>
    /// Parses an IPv4 host the way <c>inet_aton</c> (and hence most resolvers) does: one to four parts,
    /// each decimal, octal (leading <c>0</c>) or hex (<c>0x</c>); the last part fills the remaining bytes.
    /// A single trailing dot is ignored.
    /// </summary>
    /// <param name="host">The host text.</param>
    /// <param name="address">The address when parsed.</param>
    /// <returns>True when the host is a numeric IPv4 address in any of these forms.</returns>
    public static bool TryParseIPv4Host(string host, out IPAddress address)
    {
        address = IPAddress.None;
        var text = host.EndsWith('.') ? host[..^1] : host;
        if (text.Length == 0)
        {
            return false;
        }

        var parts = text.Split('.');
        if (parts.Length > 4)
        {
            return false;
        }

        Span<ulong> values = stackalloc ulong[4];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!TryParsePart(parts[i], out values[i]))
            {
                return false;
            }
        }

        // Every part but the last is one byte; the last fills the remaining (5 - parts) bytes.
        var lastBits = 8 * (5 - parts.Length);
        ulong result = 0;
        for (var i = 0; i < parts.Length - 1; i++)
        {
            if (values[i] > 0xFF)
            {
                return false;
            }

            result = (result << 8) | values[i];
        }

        var last = values[parts.Length - 1];
        if (last >= 1UL << lastBits)
        {
            return false;
        }

        result = (result << lastBits) | last;
        address = new IPAddress([(byte)(result >> 24), (byte)(result >> 16), (byte)(result >> 8), (byte)result]);
        return true;
    }

    private static bool TryParseHostAddress(string host, UriHostNameType type, out IPAddress address)
    {
        if (type == UriHostNameType.IPv6)
        {
            var text = host.Trim('[', ']');
            var zone = text.IndexOf('%', StringComparison.Ordinal);
            if (zone >= 0)
            {
                text = text[..zone];
            }

            if (IPAddress.TryParse(text, out var parsed) && parsed.AddressFamily == AddressFamily.InterNetworkV6)
            {
                address = parsed;
                return true;
            }
        }

        return TryParseIPv4Host(host, out address);
    }

    private static bool TryParsePart(string part, out ulong value)
    {
        value = 0;
        if (part.Length == 0)
        {
            return false;
        }

        var style = NumberStyles.None;
        var digits = part.AsSpan();
        var radix = 10;
        if (digits.Length >= 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X'))
        {
            digits = digits[2..];
            radix = 16;
            style = NumberStyles.AllowHexSpecifier;
            if (digits.IsEmpty)
            {
                return true; // inet_aton reads a bare "0x" as zero.
            }
        }
        else if (digits.Length >= 2 && digits[0] == '0')
        {
            radix = 8;
        }

        if (radix == 8)
        {
            foreach (var c in digits)
            {
                if (c is < '0' or > '7' || value > uint.MaxValue)
                {
                    return false;
                }

                value = (value * 8) + (ulong)(c - '0');
            }

            return true;
        }

        foreach (var c in digits)
        {
            if (!char.IsAsciiHexDigit(c) || (radix == 10 && !char.IsAsciiDigit(c)))
            {
                return false;
            }
        }

        return digits.Length <= 16 && ulong.TryParse(digits, style, CultureInfo.InvariantCulture, out value) && value <= uint.MaxValue;
    }

    private static CallbackUrlCheck Refuse(CallbackUrlProblem problem, string reason, string? host) =>
        new(CallbackUrlVerdict.Refused, problem, reason, host, null, null);

    private static string Describe(AddressCategory category) => category switch
    {
        AddressCategory.Loopback => "a loopback address",
        AddressCategory.Private => "a private address",
        AddressCategory.LinkLocal => "a link-local address (including cloud metadata endpoints)",
        AddressCategory.SharedAddressSpace => "a carrier-grade NAT address",
        AddressCategory.Unspecified => "an unspecified address",
        AddressCategory.Multicast => "a multicast address",
        AddressCategory.Broadcast => "the broadcast address",
        AddressCategory.Documentation => "a documentation address",
        _ => "a reserved address",
    };
}
