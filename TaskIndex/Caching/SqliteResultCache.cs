using System.Text;
using Microsoft.Data.Sqlite;
using ServerlessTasks.SqliteStore;
using static ServerlessTasks.SqliteStore.SerialSqlite;

namespace ServerlessTasks.TaskIndex.Caching;

/// <summary>
/// The result cache in a SQLite file (WAL), or in memory for the <c>memory</c> provider. Eviction runs in the same
/// transaction as each store: expired entries first, then least recently used beyond <see cref="ResultCacheLimits.MaxEntries"/>,
/// then least recently used beyond <see cref="ResultCacheLimits.MaxBytes"/> (a running sum from the most recently used).
/// </summary>
public sealed class SqliteResultCache : IResultCache, IAsyncDisposable
{
    private readonly SerialSqlite _db;
    private readonly ResultCacheLimits _limits;
    private readonly bool _inMemory;

    /// <summary>Creates the cache over a file (created with its folder when missing).</summary>
    public SqliteResultCache(string path, ResultCacheLimits? limits = null)
        : this(FileConnectionString(path), limits, inMemory: false)
    {
    }

    private SqliteResultCache(string connectionString, ResultCacheLimits? limits, bool inMemory)
    {
        _limits = limits ?? ResultCacheLimits.Default;
        _inMemory = inMemory;
        _db = new SerialSqlite(connectionString, Open);
    }

    /// <summary>A cache in memory (tests, <c>TaskIndex:Provider=memory</c>): the same code over a private in-memory database.</summary>
    public static SqliteResultCache InMemory(ResultCacheLimits? limits = null) => new(InMemoryConnectionString(), limits, inMemory: true);

    /// <inheritdoc />
    public Task InitializeAsync(CancellationToken cancellation = default) => _db.InTransactionAsync(_ => 0, cancellation);

    /// <inheritdoc />
    public Task<CachedResult?> GetAsync(string key, DateTimeOffset storedSince, DateTimeOffset now, CancellationToken cancellation = default) =>
        _db.InTransactionAsync(connection =>
        {
            using var query = Command(connection, "SELECT result, stored_at, expires_at FROM results WHERE key = $k AND stored_at >= $since AND expires_at > $now",
                ("$k", key), ("$since", storedSince.UtcTicks), ("$now", now.UtcTicks));
            using var reader = query.ExecuteReader();
            if (!reader.Read())
            {
                return null;
            }

            var hit = new CachedResult(key, reader.GetString(0), new DateTimeOffset(reader.GetInt64(1), TimeSpan.Zero), new DateTimeOffset(reader.GetInt64(2), TimeSpan.Zero));
            reader.Close();
            Execute(connection, "UPDATE results SET last_used = $now, use_seq = (SELECT COALESCE(MAX(use_seq), 0) + 1 FROM results) WHERE key = $k", ("$k", key), ("$now", now.UtcTicks));
            return (CachedResult?)hit;
        }, cancellation);

    /// <inheritdoc />
    public Task<bool> PutAsync(CachedResult entry, DateTimeOffset now, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var bytes = Encoding.UTF8.GetByteCount(entry.Result);
        if (bytes > _limits.MaxBytes || _limits.MaxEntries < 1)
        {
            return Task.FromResult(false);
        }

        return _db.InTransactionAsync(connection =>
        {
            Execute(connection, """
                INSERT OR REPLACE INTO results (key, result, bytes, stored_at, expires_at, last_used, use_seq)
                VALUES ($k, $r, $b, $stored, $expires, $now, (SELECT COALESCE(MAX(use_seq), 0) + 1 FROM results))
                """,
                ("$k", entry.Key), ("$r", entry.Result), ("$b", bytes), ("$stored", entry.StoredAt.UtcTicks), ("$expires", entry.ExpiresAt.UtcTicks), ("$now", now.UtcTicks));
            Execute(connection, "DELETE FROM results WHERE expires_at <= $now", ("$now", now.UtcTicks));
            // use_seq orders uses exactly (clock ticks can tie): the lowest are the least recently used.
            Execute(connection, """
                DELETE FROM results WHERE key IN (
                  SELECT key FROM results ORDER BY use_seq LIMIT MAX(0, (SELECT COUNT(*) FROM results) - $max))
                """, ("$max", _limits.MaxEntries));
            Execute(connection, """
                DELETE FROM results WHERE key IN (
                  SELECT key FROM (SELECT key, SUM(bytes) OVER (ORDER BY use_seq DESC) AS kept FROM results) WHERE kept > $maxBytes)
                """, ("$maxBytes", _limits.MaxBytes));
            return true;
        }, cancellation);
    }

    /// <inheritdoc />
    public Task<ResultCacheStats> StatsAsync(CancellationToken cancellation = default) =>
        _db.InTransactionAsync(connection =>
        {
            using var query = Command(connection, "SELECT COUNT(*), COALESCE(SUM(bytes), 0) FROM results");
            using var reader = query.ExecuteReader();
            reader.Read();
            return new ResultCacheStats(reader.GetInt64(0), reader.GetInt64(1));
        }, cancellation);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _db.DisposeAsync();

    private void Open(SqliteConnection connection) => Execute(connection, $"""
        {(_inMemory ? string.Empty : "PRAGMA journal_mode = WAL;")}
        PRAGMA synchronous = NORMAL;
        CREATE TABLE IF NOT EXISTS results (
          key TEXT NOT NULL PRIMARY KEY, result TEXT NOT NULL, bytes INTEGER NOT NULL,
          stored_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, last_used INTEGER NOT NULL, use_seq INTEGER NOT NULL);
        CREATE INDEX IF NOT EXISTS results_by_use ON results (use_seq);
        CREATE INDEX IF NOT EXISTS results_by_expiry ON results (expires_at);
        """);
}
