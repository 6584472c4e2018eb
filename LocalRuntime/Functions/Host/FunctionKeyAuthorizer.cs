using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;

namespace LocalRuntime.Functions.Host;

/// <summary>
/// Function-key authorization as the Functions host does it: a key in the <c>x-functions-key</c> header
/// or the <c>code</c> query parameter. Keys come from configuration (<c>FunctionKeys:Default</c>,
/// <c>FunctionKeys:Master</c>); with no key configured every level is open, like <c>func start</c>.
/// </summary>
internal sealed class FunctionKeyAuthorizer
{
    private readonly byte[]? _functionKey;
    private readonly byte[]? _masterKey;

    public FunctionKeyAuthorizer(IConfiguration configuration)
    {
        _functionKey = Bytes(configuration["FunctionKeys:Default"]);
        _masterKey = Bytes(configuration["FunctionKeys:Master"]);
    }

    /// <summary>Whether any key is configured (and so enforced).</summary>
    public bool Enforced => _functionKey is not null || _masterKey is not null;

    public bool IsAuthorized(HttpContext http, AuthorizationLevel level)
    {
        if (level == AuthorizationLevel.Anonymous || !Enforced)
        {
            return true;
        }

        var presented = http.Request.Headers["x-functions-key"].FirstOrDefault() ?? http.Request.Query["code"].FirstOrDefault();
        if (string.IsNullOrEmpty(presented))
        {
            return false;
        }

        var bytes = Encoding.UTF8.GetBytes(presented);
        if (_masterKey is not null && CryptographicOperations.FixedTimeEquals(bytes, _masterKey))
        {
            return true;
        }

        return level is AuthorizationLevel.Function or AuthorizationLevel.User
            && _functionKey is not null
            && CryptographicOperations.FixedTimeEquals(bytes, _functionKey);
    }

    private static byte[]? Bytes(string? key) => string.IsNullOrEmpty(key) ? null : Encoding.UTF8.GetBytes(key);
}
