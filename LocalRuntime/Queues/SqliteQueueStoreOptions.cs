namespace LocalRuntime.Queues;

/// <summary>Where the embedded queue keeps its file, and how it opens it.</summary>
public sealed class SqliteQueueStoreOptions
{
    /// <summary>The SQLite file (created with its folder when missing).</summary>
    public string Path { get; set; } = string.Empty;

    /// <summary>Make deliveries a crashed run left in flight visible again at open (this host is the file's only consumer).</summary>
    public bool RecoverLeasesOnOpen { get; set; } = true;
}
