namespace ServerlessTasks.Tests.Callbacks;

/// <summary>
/// The app in production mode (the host's environment, and so the worker's <c>AZURE_FUNCTIONS_ENVIRONMENT</c>, is
/// Production for this host only): callback URLs are checked against the SSRF policy, loopback included, and names
/// are resolved by the worker's real DNS. Name answers a test must script (private, metadata, rebinding) are covered by
/// <see cref="OutboundAddressGuardTests"/> on the app's guard directly.
/// </summary>
public sealed class ProductionAppHost : AppHost
{
    protected override string EnvironmentName => "Production";

    protected override IEnumerable<KeyValuePair<string, string>> WorkerSettings() =>
    [
        new("Webhooks__Secrets", CallbackAppHost.Secret),
        new("Webhooks__MaxAttempts", "1"),
    ];
}
