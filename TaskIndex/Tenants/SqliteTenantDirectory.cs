using Microsoft.Data.Sqlite;
using ServerlessTasks.SqliteStore;
using static ServerlessTasks.SqliteStore.SerialSqlite;

namespace ServerlessTasks.TaskIndex.Tenants;

/// <summary>The tenant directory in a SQLite file (WAL), one row per owned id.</summary>
public sealed class SqliteTenantDirectory : ITenantDirectory, IAsyncDisposable
{
    private readonly SerialSqlite _db;

    /// <summary>Creates the directory over a file (created with its folder when missing).</summary>
    public SqliteTenantDirectory(string path) => _db = new SerialSqlite(FileConnectionString(path), Open);

    /// <inheritdoc />
    public Task InitializeAsync(CancellationToken cancellation = default) => _db.InTransactionAsync(_ => 0, cancellation);

    /// <inheritdoc />
    public Task<TenantClaim> ClaimAsync(TenantResource kind, string id, string tenant, CancellationToken cancellation = default) =>
        _db.InTransactionAsync(connection =>
        {
            var created = Execute(connection, "INSERT OR IGNORE INTO owners (kind, id, tenant) VALUES ($k, $id, $t)", ("$k", (int)kind), ("$id", id), ("$t", tenant)) == 1;
            return new TenantClaim(created ? tenant : Owner(connection, kind, id)!, created);
        }, cancellation);

    /// <inheritdoc />
    public Task<bool> ReleaseAsync(TenantResource kind, string id, string tenant, CancellationToken cancellation = default) =>
        _db.InTransactionAsync(
            connection => Execute(connection, "DELETE FROM owners WHERE kind = $k AND id = $id AND tenant = $t", ("$k", (int)kind), ("$id", id), ("$t", tenant)) == 1,
            cancellation);

    /// <inheritdoc />
    public Task<string?> OwnerAsync(TenantResource kind, string id, CancellationToken cancellation = default) =>
        _db.InTransactionAsync(connection => Owner(connection, kind, id), cancellation);

    /// <inheritdoc />
    public Task<IReadOnlySet<string>> OwnedAsync(TenantResource kind, string tenant, CancellationToken cancellation = default) =>
        _db.InTransactionAsync<IReadOnlySet<string>>(connection =>
        {
            using var query = Command(connection, "SELECT id FROM owners WHERE tenant = $t AND kind = $k", ("$k", (int)kind), ("$t", tenant));
            using var reader = query.ExecuteReader();
            var ids = new HashSet<string>(StringComparer.Ordinal);
            while (reader.Read())
            {
                ids.Add(reader.GetString(0));
            }

            return ids;
        }, cancellation);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _db.DisposeAsync();

    private static string? Owner(SqliteConnection connection, TenantResource kind, string id)
    {
        using var query = Command(connection, "SELECT tenant FROM owners WHERE kind = $k AND id = $id", ("$k", (int)kind), ("$id", id));
        return query.ExecuteScalar() as string;
    }

    private static void Open(SqliteConnection connection) => Execute(connection, """
        PRAGMA journal_mode = WAL;
        PRAGMA synchronous = NORMAL;
        CREATE TABLE IF NOT EXISTS owners (kind INTEGER NOT NULL, id TEXT NOT NULL, tenant TEXT NOT NULL, PRIMARY KEY (kind, id));
        CREATE INDEX IF NOT EXISTS owners_by_tenant ON owners (tenant, kind);
        """);
}
