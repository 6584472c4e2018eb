using System.Net;
using System.Text.Json;

namespace ServerlessTasks.Tests.Production;

/// <summary>
/// The app with API keys for two tenants (<c>acme</c>, <c>globex</c>) and an operator key without a tenant; no rate
/// limit, so the isolation tests can poll freely.
/// </summary>
public sealed class TenantAppHost : AppHost
{
    public const string AcmeKey = "acme-Vb7Rt2Lq9Zx4Kp1Wm8Ns";
    public const string GlobexKey = "globex-Hd3Jf6Gy0Tc5Bv9Qe2Ur";
    public const string OperatorKey = "operator-Ya1Ss8Dd4Ff7Gg2Hh5";

    protected override IEnumerable<KeyValuePair<string, string>> WorkerSettings() =>
    [
        new("Auth__ApiKeys__acme__Key", AcmeKey),
        new("Auth__ApiKeys__acme__Tenant", "acme"),
        new("Auth__ApiKeys__globex__Key", GlobexKey),
        new("Auth__ApiKeys__globex__Tenant", "globex"),
        new("Auth__ApiKeys__operator__Key", OperatorKey),
    ];

    /// <summary>Sends a request with <paramref name="key"/> as its <c>x-api-key</c>: the status and the JSON body (default when empty).</summary>
    public async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpMethod method, string path, string key, string? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Add("x-api-key", key);
        if (body is not null)
        {
            request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        }

        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }
}
