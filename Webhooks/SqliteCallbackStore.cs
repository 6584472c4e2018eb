using System.Globalization;
using Microsoft.Data.Sqlite;

namespace ServerlessTasks.Webhooks;

/// <summary>
/// The callback store in a SQLite file (WAL): one connection, one call at a time, each call one statement
/// or transaction. <c>seq</c> orders records by their last change, so the dead-letter queue lists oldest first.
/// </summary>
public sealed class SqliteCallbackStore : ICallbackStore, IAsyncDisposable
{
    private const string Columns = "delivery_id, workflow_id, task_id, event, url, webhook_id, status, attempts, last_error, updated_at, redrives, request";

    // Status views leave the request (the whole signed body) in the file.
    private const string StatusColumns = "delivery_id, workflow_id, task_id, event, url, webhook_id, status, attempts, last_error, updated_at, redrives, '' AS request";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly string _path;
    private SqliteConnection? _connection;

    /// <summary>Creates the store over a file (created with its folder when missing).</summary>
    public SqliteCallbackStore(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        _path = Path.GetFullPath(path);
    }

    /// <inheritdoc />
    public Task InitializeAsync(CancellationToken cancellation = default) => RunAsync(_ => 0, cancellation);

    /// <inheritdoc />
    public Task<CallbackRecord> AddAsync(CallbackRecord record, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        return RunAsync(connection =>
        {
            using var insert = Command(connection, $"INSERT OR IGNORE INTO callbacks ({Columns}, seq) VALUES ({Parameters}, (SELECT IFNULL(MAX(seq), 0) + 1 FROM callbacks))");
            Bind(insert, record);
            insert.ExecuteNonQuery();
            return Read(connection, record.DeliveryId)!;
        }, cancellation);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<CallbackRecord>> AddRangeAsync(IReadOnlyList<CallbackRecord> records, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        return RunAsync<IReadOnlyList<CallbackRecord>>(connection =>
        {
            using (var begin = Command(connection, "BEGIN IMMEDIATE"))
            {
                begin.ExecuteNonQuery();
            }

            try
            {
                using var insert = Command(connection, $"INSERT OR IGNORE INTO callbacks ({Columns}, seq) VALUES ({Parameters}, (SELECT IFNULL(MAX(seq), 0) + 1 FROM callbacks))");
                foreach (var record in records)
                {
                    insert.Parameters.Clear();
                    Bind(insert, record);
                    insert.ExecuteNonQuery();
                }

                var stored = records.Select(r => Read(connection, r.DeliveryId)!).ToList();
                using var commit = Command(connection, "COMMIT");
                commit.ExecuteNonQuery();
                return stored;
            }
            catch
            {
                using var rollback = Command(connection, "ROLLBACK");
                rollback.ExecuteNonQuery();
                throw;
            }
        }, cancellation);
    }

    /// <inheritdoc />
    public Task SaveAsync(CallbackRecord record, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        return RunAsync(connection =>
        {
            using var upsert = Command(connection, $"INSERT OR REPLACE INTO callbacks ({Columns}, seq) VALUES ({Parameters}, (SELECT IFNULL(MAX(seq), 0) + 1 FROM callbacks))");
            Bind(upsert, record);
            return upsert.ExecuteNonQuery();
        }, cancellation);
    }

    /// <inheritdoc />
    public Task<CallbackRecord?> GetAsync(string deliveryId, CancellationToken cancellation = default) =>
        RunAsync(connection => Read(connection, deliveryId), cancellation);

    /// <inheritdoc />
    public Task<IReadOnlyList<CallbackRecord>> ListForWorkflowAsync(string workflowId, CancellationToken cancellation = default) =>
        RunAsync<IReadOnlyList<CallbackRecord>>(connection =>
        {
            using var select = Command(connection, $"SELECT {StatusColumns} FROM callbacks WHERE workflow_id = $w ORDER BY seq", ("$w", workflowId));
            return ReadAll(select);
        }, cancellation);

    /// <inheritdoc />
    public Task<CallbackPage> ListByStatusAsync(CallbackDeliveryStatus status, int limit, int offset, CancellationToken cancellation = default) =>
        RunAsync(connection =>
        {
            using var count = Command(connection, "SELECT COUNT(*) FROM callbacks WHERE status = $s", ("$s", status.ToString()));
            var total = Convert.ToInt32(count.ExecuteScalar(), CultureInfo.InvariantCulture);
            using var select = Command(connection, $"SELECT {Columns} FROM callbacks WHERE status = $s ORDER BY seq LIMIT $l OFFSET $o",
                ("$s", status.ToString()), ("$l", limit), ("$o", offset));
            return new CallbackPage(ReadAll(select), total);
        }, cancellation);

    /// <inheritdoc />
    public Task DisableEndpointAsync(string url, DateTimeOffset at, CancellationToken cancellation = default) =>
        RunAsync(connection =>
        {
            using var insert = Command(connection, "INSERT OR IGNORE INTO disabled_endpoints (url, disabled_at) VALUES ($u, $t)", ("$u", url), ("$t", at.ToString("O", CultureInfo.InvariantCulture)));
            return insert.ExecuteNonQuery();
        }, cancellation);

    /// <inheritdoc />
    public Task<bool> IsEndpointDisabledAsync(string url, CancellationToken cancellation = default) =>
        RunAsync(connection =>
        {
            using var select = Command(connection, "SELECT 1 FROM disabled_endpoints WHERE url = $u", ("$u", url));
            return select.ExecuteScalar() is not null;
        }, cancellation);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }

        _gate.Dispose();
    }

    private const string Parameters = "$id, $w, $task, $e, $u, $wh, $s, $a, $err, $t, $r, $req";

    private static void Bind(SqliteCommand command, CallbackRecord r)
    {
        command.Parameters.AddWithValue("$id", r.DeliveryId);
        command.Parameters.AddWithValue("$w", r.WorkflowId);
        command.Parameters.AddWithValue("$task", (object?)r.TaskId ?? DBNull.Value);
        command.Parameters.AddWithValue("$e", r.Event);
        command.Parameters.AddWithValue("$u", r.Url);
        command.Parameters.AddWithValue("$wh", r.WebhookId);
        command.Parameters.AddWithValue("$s", r.Status.ToString());
        command.Parameters.AddWithValue("$a", r.Attempts);
        command.Parameters.AddWithValue("$err", (object?)r.LastError ?? DBNull.Value);
        command.Parameters.AddWithValue("$t", r.UpdatedAt.ToString("O", CultureInfo.InvariantCulture));
        command.Parameters.AddWithValue("$r", r.Redrives);
        command.Parameters.AddWithValue("$req", r.Request);
    }

    private static CallbackRecord? Read(SqliteConnection connection, string deliveryId)
    {
        using var select = Command(connection, $"SELECT {Columns} FROM callbacks WHERE delivery_id = $id", ("$id", deliveryId));
        return ReadAll(select) is [var found] ? found : null;
    }

    private static List<CallbackRecord> ReadAll(SqliteCommand command)
    {
        var list = new List<CallbackRecord>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            list.Add(new CallbackRecord
            {
                DeliveryId = reader.GetString(0),
                WorkflowId = reader.GetString(1),
                TaskId = reader.IsDBNull(2) ? null : reader.GetString(2),
                Event = reader.GetString(3),
                Url = reader.GetString(4),
                WebhookId = reader.GetString(5),
                Status = Enum.Parse<CallbackDeliveryStatus>(reader.GetString(6)),
                Attempts = reader.GetInt32(7),
                LastError = reader.IsDBNull(8) ? null : reader.GetString(8),
                UpdatedAt = DateTimeOffset.Parse(reader.GetString(9), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
                Redrives = reader.GetInt32(10),
                Request = reader.GetString(11),
            });
        }

        return list;
    }

    private static SqliteCommand Command(SqliteConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        var command = connection.CreateCommand();
#pragma warning disable CA2100 // The SQL text is built from constants only; values are bound as parameters.
        command.CommandText = sql;
#pragma warning restore CA2100
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return command;
    }

    private async Task<T> RunAsync<T>(Func<SqliteConnection, T> action, CancellationToken cancellation)
    {
        await _gate.WaitAsync(cancellation);
        try
        {
            return action(Open());
        }
        finally
        {
            _gate.Release();
        }
    }

    private SqliteConnection Open()
    {
        if (_connection is not null)
        {
            return _connection;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = _path, Pooling = false }.ToString());
        connection.Open();
        using var schema = connection.CreateCommand();
        schema.CommandText = """
            PRAGMA journal_mode = WAL;
            PRAGMA synchronous = NORMAL;
            CREATE TABLE IF NOT EXISTS callbacks (
                delivery_id TEXT PRIMARY KEY, workflow_id TEXT NOT NULL, task_id TEXT, event TEXT NOT NULL, url TEXT NOT NULL,
                webhook_id TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL, last_error TEXT, updated_at TEXT NOT NULL,
                redrives INTEGER NOT NULL, request TEXT NOT NULL, seq INTEGER NOT NULL);
            CREATE INDEX IF NOT EXISTS callbacks_workflow ON callbacks (workflow_id);
            CREATE INDEX IF NOT EXISTS callbacks_status ON callbacks (status, seq);
            CREATE INDEX IF NOT EXISTS callbacks_seq ON callbacks (seq);
            CREATE TABLE IF NOT EXISTS disabled_endpoints (url TEXT PRIMARY KEY, disabled_at TEXT NOT NULL);
            """;
        schema.ExecuteNonQuery();
        _connection = connection;
        return connection;
    }
}
