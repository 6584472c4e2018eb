namespace LocalRuntime.Queues;

/// <summary>The host's queue transports: the embedded queue for every connection, or one Azure account per connection name.</summary>
public interface IQueueStoreProvider
{
    /// <summary>The transport in use.</summary>
    QueueStoreKind Kind { get; }

    /// <summary>The store behind the default connection (<c>AzureWebJobsStorage</c>): the one tests and the app's own tests enqueue through.</summary>
    IQueueStore Default { get; }

    /// <summary>The store behind a binding's <c>connection</c> (null or empty: the default).</summary>
    IQueueStore GetStore(string? connectionName);
}
