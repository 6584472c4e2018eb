namespace LocalRuntime.Queues;

/// <summary>Which transport carries the host's queues (setting <c>LocalRuntime:QueueStore</c>).</summary>
public enum QueueStoreKind
{
    /// <summary>The embedded SQLite queue under the host's data folder (zero setup, the default).</summary>
    Sqlite,

    /// <summary>Azure Storage queues of the binding's <c>connection</c> (Azurite with <c>UseDevelopmentStorage=true</c>).</summary>
    AzureStorage,
}
