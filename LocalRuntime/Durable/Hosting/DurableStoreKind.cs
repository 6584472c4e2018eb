namespace LocalRuntime.Durable.Hosting;

/// <summary>Which DTFx backend holds the task hub (setting <c>LocalRuntime:DurableStore</c>).</summary>
public enum DurableStoreKind
{
    /// <summary>Our embedded SQLite provider: zero setup, one host per file (the default).</summary>
    Sqlite,

    /// <summary>Microsoft's Azure Storage provider on <c>AzureWebJobsStorage</c> (Azurite or a real account; hosts may share a hub).</summary>
    AzureStorage,
}
