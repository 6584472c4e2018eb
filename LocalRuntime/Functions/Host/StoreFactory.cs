using LocalRuntime.Durable.Stores;
using LocalRuntime.Functions.Queues;
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

    /// <summary>
    /// The host's queues: in memory with the memory store, else an SQLite file next to the durable store's
    /// (<c>durable.db</c> -> <c>durable-queues.db</c>).
    /// </summary>
    public static IQueueStore CreateQueues(HostSettings settings, string contentRoot, TimeProvider time) => settings.StorageType switch
    {
        "memory" or "inmemory" => new InMemoryQueueStore(time),
        _ => new SqliteQueueStore(QueuePath(ResolvePath(settings.SqlitePath, contentRoot)), time),
    };

    internal static string QueuePath(string durablePath) =>
        Path.Combine(Path.GetDirectoryName(durablePath) ?? string.Empty, Path.GetFileNameWithoutExtension(durablePath) + "-queues.db");

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
