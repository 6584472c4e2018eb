namespace LocalRuntime.Sqlite;

/// <summary>Tuning of a <see cref="SqliteDurableStore"/>.</summary>
public sealed record SqliteDurableStoreOptions
{
    /// <summary>
    /// When true, every commit is flushed to the disk (<c>synchronous=FULL</c>): committed work also
    /// survives a power cut or OS crash, at the price of one fsync per batch. The default
    /// (<c>synchronous=NORMAL</c> in WAL mode) already survives any crash of the process, including
    /// <c>kill -9</c>; see <see cref="SqliteDurableStore"/>.
    /// </summary>
    public bool FlushEveryCommit { get; init; }

    /// <summary>How long a statement waits for a lock held by another connection before failing.</summary>
    public TimeSpan BusyTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The most write requests applied in one transaction (one group commit).</summary>
    public int MaxBatchSize { get; init; } = 1_000;

    /// <summary>The most read connections open at once (WAL lets them read while the writer writes).</summary>
    public int MaxReadConnections { get; init; } = 4;
}
