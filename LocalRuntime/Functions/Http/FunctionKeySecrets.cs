using System.Security.Cryptography;
using System.Text;
using LocalRuntime.Functions.Extensibility;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;

namespace LocalRuntime.Functions.Http;

/// <summary>
/// Function keys as the Functions host checks them: a key in the <c>x-functions-key</c> header or the <c>code</c> query.
/// Locally they come from configuration, <c>FunctionKeys:Default</c> (function level) and <c>FunctionKeys:Master</c>
/// (every level); with none configured every level is open, like <c>func start</c>. Compared in constant time, never logged.
/// </summary>
internal sealed class FunctionKeySecrets
{
    public const string HeaderName = "x-functions-key";
    public const string QueryName = "code";
    private const string Redacted = "[redacted]";

    private readonly byte[]? _functionKey;
    private readonly byte[]? _masterKey;
    private readonly string[] _plain;

    public FunctionKeySecrets(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var function = configuration["FunctionKeys:Default"];
        var master = configuration["FunctionKeys:Master"];
        _functionKey = Bytes(function);
        _masterKey = Bytes(master);
        _plain = new[] { function, master }.Where(k => !string.IsNullOrEmpty(k)).Select(k => k!).ToArray();
    }

    /// <summary>Whether any key is configured (and so enforced).</summary>
    public bool Enforced => _plain.Length > 0;

    public bool IsAuthorized(HttpContext http, FunctionAuthorizationLevel level)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (level == FunctionAuthorizationLevel.Anonymous || !Enforced)
        {
            return true;
        }

        var presented = http.Request.Headers[HeaderName].FirstOrDefault();
        if (string.IsNullOrEmpty(presented))
        {
            presented = http.Request.Query[QueryName].FirstOrDefault();
        }

        if (string.IsNullOrEmpty(presented))
        {
            return false;
        }

        var bytes = Encoding.UTF8.GetBytes(presented);
        if (_masterKey is not null && CryptographicOperations.FixedTimeEquals(bytes, _masterKey))
        {
            return true;
        }

        return level == FunctionAuthorizationLevel.Function && _functionKey is not null && CryptographicOperations.FixedTimeEquals(bytes, _functionKey);
    }

    /// <summary>The text with every configured key replaced (a worker may log a URL with <c>?code=</c>); as is when no key is configured.</summary>
    public string Redact(string text)
    {
        if (_plain.Length == 0 || string.IsNullOrEmpty(text))
        {
            return text;
        }

        foreach (var key in _plain)
        {
            if (text.Contains(key, StringComparison.Ordinal))
            {
                text = text.Replace(key, Redacted, StringComparison.Ordinal);
            }
        }

        return text;
    }

    /// <summary>The level of an HTTP trigger's <c>authLevel</c> (Functions' names; <c>System</c> needs the master key here, <c>User</c> a function key).</summary>
    public static FunctionAuthorizationLevel ParseLevel(string? authLevel) => authLevel?.ToUpperInvariant() switch
    {
        "ANONYMOUS" => FunctionAuthorizationLevel.Anonymous,
        "ADMIN" or "SYSTEM" => FunctionAuthorizationLevel.Admin,
        null or "" => FunctionAuthorizationLevel.Function,
        _ => FunctionAuthorizationLevel.Function,
    };

    private static byte[]? Bytes(string? key) => string.IsNullOrEmpty(key) ? null : Encoding.UTF8.GetBytes(key);
}
