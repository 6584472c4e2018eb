using LocalRuntime.Durable.Stores;
using LocalRuntime.Sqlite;

namespace LocalRuntime.Functions.Host;

/// <summary>Creates the store named by host.json's <c>storageProvider.type</c>.</summary>
internal static class StoreFactory
{
    public static IDurableStore Create(HostSettings settings, string contentRoot) => settings.StorageType switch
    {
        "sqlite" => new SqliteDurableStore(ResolvePath(settings.SqlitePath, contentRoot)),
        "memory" or "inmemory" => new InMemoryDurableStore(),
        _ => throw new InvalidOperationException(
            $"Unknown durable storage provider '{settings.StorageType}' (extensions.durableTask.storageProvider.type); use 'sqlite' or 'memory'."),
    };

    private static string ResolvePath(string path, string contentRoot)
    {
        var full = Path.IsPathRooted(path) ? path : Path.Combine(contentRoot, path);
        var directory = Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        return full;
    }
}
