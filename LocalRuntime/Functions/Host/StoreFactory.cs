using LocalRuntime.Durable.Stores;

namespace LocalRuntime.Functions.Host;

/// <summary>Creates the store named by host.json's <c>storageProvider.type</c>.</summary>
internal static class StoreFactory
{
    public static IDurableStore Create(HostSettings settings, string contentRoot, IServiceProvider services)
    {
        _ = services;
        return settings.StorageType switch
        {
            "memory" or "inmemory" => new InMemoryDurableStore(),
            _ => throw new InvalidOperationException(
                $"Unknown durable storage provider '{settings.StorageType}' (extensions.durableTask.storageProvider.type); use 'sqlite' or 'memory'."),
        };
    }
}
