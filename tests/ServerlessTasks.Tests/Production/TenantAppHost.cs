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
}
