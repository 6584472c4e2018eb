namespace ServerlessTasks.TaskIndex;

/// <summary>One cached task result.</summary>
/// <param name="Key">The cache key (<c>Domain.Caching.ResultCacheKey</c>).</param>
/// <param name="Result">The result's JSON text.</param>
/// <param name="StoredAt">When the task that produced it completed.</param>
/// <param name="ExpiresAt">When the entry expires (its task's <c>ttl_seconds</c> after <see cref="StoredAt"/>).</param>
public sealed record CachedResult(string Key, string Result, DateTimeOffset StoredAt, DateTimeOffset ExpiresAt);

/// <summary>How big the result cache may grow: entries and bytes of result text (UTF-8), both enforced on every store.</summary>
public sealed record ResultCacheLimits
{
    /// <summary>The limits used when none are configured: 10,000 entries, 64 MiB.</summary>
    public static ResultCacheLimits Default { get; } = new();

    /// <summary>Most entries kept.</summary>
    public int MaxEntries { get; init; } = 10_000;

    /// <summary>Most bytes of result text kept; a single result larger than this is not cached.</summary>
    public long MaxBytes { get; init; } = 64L * 1024 * 1024;
}

/// <summary>The result cache's figures.</summary>
/// <param name="Entries">Entries held (expired ones until the next store removes them).</param>
/// <param name="Bytes">Bytes of result text held.</param>
public sealed record ResultCacheStats(long Entries, long Bytes);

/// <summary>
/// The result cache of deterministic tasks, kept where a restart keeps it. Bounded by <see cref="ResultCacheLimits"/>:
/// every store first drops expired entries, then the least recently used (read or stored) until both limits hold.
/// </summary>
public interface IResultCache
{
    /// <summary>Creates the store's tables as needed.</summary>
    Task InitializeAsync(CancellationToken cancellation = default);

    /// <summary>
    /// The entry of <paramref name="key"/> stored at or after <paramref name="storedSince"/> and not expired at
    /// <paramref name="now"/>, or null; a hit counts as a use at <paramref name="now"/> (for eviction).
    /// </summary>
    Task<CachedResult?> GetAsync(string key, DateTimeOffset storedSince, DateTimeOffset now, CancellationToken cancellation = default);

    /// <summary>Stores (or replaces) an entry, then evicts down to the limits; false when the result alone is over <see cref="ResultCacheLimits.MaxBytes"/>.</summary>
    Task<bool> PutAsync(CachedResult entry, DateTimeOffset now, CancellationToken cancellation = default);

    /// <summary>The cache's figures.</summary>
    Task<ResultCacheStats> StatsAsync(CancellationToken cancellation = default);
}
