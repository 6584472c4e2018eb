using Microsoft.Data.Sqlite;

namespace LocalRuntime.Functions.Queues;

/// <summary>
/// Queues in an SQLite file (WAL): messages survive crashes. One connection, one statement per operation,
/// each atomic on its own (leases use <c>UPDATE ... RETURNING</c>).
/// </summary>
/// <remarks>
/// The host keeps this in a file next to the durable store's (<c>&lt;store&gt;-queues.db</c>) rather than in it:
/// the durable store refuses a file holding tables it does not own, and its single writer batches commits
/// that queue traffic should not wait behind. This host is the only consumer, so leases left by a crashed
/// run are returned at <see cref="InitializeAsync"/> instead of waiting for them to expire.
/// </remarks>
public sealed class SqliteQueueStore : IQueueStore
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS queue_messages (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            queue TEXT NOT NULL,
            body TEXT NOT NULL,
            inserted_at INTEGER NOT NULL,
            visible_at INTEGER NOT NULL,
            dequeue_count INTEGER NOT NULL DEFAULT 0,
            pop_receipt TEXT NULL);
        CREATE INDEX IF NOT EXISTS ix_queue_messages_visible ON queue_messages (queue, visible_at, id);
        """;

    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly string _connectionString;
    private SqliteConnection? _connection;

    /// <summary>Creates a store over a file (created when missing).</summary>
    public SqliteQueueStore(string path, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = System.IO.Path.GetFullPath(path);
        _time = timeProvider ?? TimeProvider.System;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = 10,
        }.ToString();
    }

    /// <inheritdoc />
    public event Action<string>? MessageAdded;

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <inheritdoc />
    public string ProviderName => "sqlite";

    /// <inheritdoc />
    public async Task InitializeAsync(CancellationToken cancellation = default)
    {
        await _gate.WaitAsync(cancellation);
        try
        {
            if (_connection is not null)
            {
                return;
            }

            var folder = System.IO.Path.GetDirectoryName(Path);
            if (!string.IsNullOrEmpty(folder))
            {
                Directory.CreateDirectory(folder);
            }

            var connection = new SqliteConnection(_connectionString);
            connection.Open();
            Execute(connection, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 10000;");
            Execute(connection, Schema);

            // Deliveries of a crashed run can never finish: their messages are visible again now.
            using var recover = Command(connection, "UPDATE queue_messages SET pop_receipt = NULL, visible_at = MIN(visible_at, $now) WHERE pop_receipt IS NOT NULL");
            recover.Parameters.AddWithValue("$now", Now());
            recover.ExecuteNonQuery();
            _connection = connection;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public async Task<QueueMessage> EnqueueAsync(string queueName, string body, TimeSpan? initialVisibilityDelay = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        var now = Now();
        var visible = now + (initialVisibilityDelay ?? TimeSpan.Zero).Ticks;
        var id = await RunAsync(connection =>
        {
            using var command = Command(connection, "INSERT INTO queue_messages (queue, body, inserted_at, visible_at) VALUES ($q, $body, $now, $visible) RETURNING id");
            command.Parameters.AddWithValue("$q", queueName);
            command.Parameters.AddWithValue("$body", body);
            command.Parameters.AddWithValue("$now", now);
            command.Parameters.AddWithValue("$visible", visible);
            return (long)command.ExecuteScalar()!;
        }, cancellation);
        MessageAdded?.Invoke(queueName);
        return new QueueMessage(id, queueName, body, Time(now), Time(visible), 0, null);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<QueueMessage>> DequeueAsync(string queueName, int maxMessages, TimeSpan lease, CancellationToken cancellation = default)
    {
        var now = Now();
        var receipt = Guid.NewGuid().ToString("N");
        return RunAsync<IReadOnlyList<QueueMessage>>(connection =>
        {
            using var command = Command(connection, """
                UPDATE queue_messages SET visible_at = $until, dequeue_count = dequeue_count + 1, pop_receipt = $receipt
                WHERE id IN (SELECT id FROM queue_messages WHERE queue = $q AND visible_at <= $now ORDER BY visible_at, id LIMIT $n)
                RETURNING id, body, inserted_at, visible_at, dequeue_count, pop_receipt
                """);
            command.Parameters.AddWithValue("$q", queueName);
            command.Parameters.AddWithValue("$now", now);
            command.Parameters.AddWithValue("$until", now + lease.Ticks);
            command.Parameters.AddWithValue("$receipt", receipt);
            command.Parameters.AddWithValue("$n", maxMessages);
            var messages = Read(command, queueName);
            messages.Sort(static (a, b) => a.Id.CompareTo(b.Id));
            return messages;
        }, cancellation);
    }

    /// <inheritdoc />
    public Task<bool> DeleteAsync(QueueMessage message, CancellationToken cancellation = default) =>
        ChangeLeasedAsync(message, "DELETE FROM queue_messages WHERE id = $id AND pop_receipt = $receipt", null, cancellation);

    /// <inheritdoc />
    public async Task<bool> ReleaseAsync(QueueMessage message, TimeSpan visibilityDelay, CancellationToken cancellation = default)
    {
        var released = await ChangeLeasedAsync(
            message,
            "UPDATE queue_messages SET pop_receipt = NULL, visible_at = $value WHERE id = $id AND pop_receipt = $receipt",
            Now() + visibilityDelay.Ticks,
            cancellation);
        if (released)
        {
            MessageAdded?.Invoke(message.QueueName);
        }

        return released;
    }

    /// <inheritdoc />
    public async Task<bool> MoveAsync(QueueMessage message, string targetQueueName, CancellationToken cancellation = default)
    {
        if (message.PopReceipt is null)
        {
            return false;
        }

        var now = Now();
        var moved = await RunAsync(connection =>
        {
            using var command = Command(connection, """
                UPDATE queue_messages SET queue = $target, pop_receipt = NULL, dequeue_count = 0, visible_at = $now
                WHERE id = $id AND pop_receipt = $receipt
                """);
            command.Parameters.AddWithValue("$target", targetQueueName);
            command.Parameters.AddWithValue("$now", now);
            command.Parameters.AddWithValue("$id", message.Id);
            command.Parameters.AddWithValue("$receipt", message.PopReceipt);
            return command.ExecuteNonQuery() == 1;
        }, cancellation);
        if (moved)
        {
            MessageAdded?.Invoke(targetQueueName);
        }

        return moved;
    }

    /// <inheritdoc />
    public Task<DateTimeOffset?> GetNextVisibleTimeAsync(string queueName, CancellationToken cancellation = default) =>
        RunAsync(connection =>
        {
            using var command = Command(connection, "SELECT MIN(visible_at) FROM queue_messages WHERE queue = $q");
            command.Parameters.AddWithValue("$q", queueName);
            return command.ExecuteScalar() is long ticks ? Time(ticks) : (DateTimeOffset?)null;
        }, cancellation);

    /// <inheritdoc />
    public Task<IReadOnlyList<QueueMessage>> PeekAllAsync(string queueName, CancellationToken cancellation = default) =>
        RunAsync<IReadOnlyList<QueueMessage>>(connection =>
        {
            using var command = Command(connection, "SELECT id, body, inserted_at, visible_at, dequeue_count, pop_receipt FROM queue_messages WHERE queue = $q ORDER BY id");
            command.Parameters.AddWithValue("$q", queueName);
            return Read(command, queueName);
        }, cancellation);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync();
        try
        {
            if (_connection is not null)
            {
                await _connection.DisposeAsync();
                _connection = null;
            }
        }
        finally
        {
            _gate.Release();
        }

        _gate.Dispose();
    }

    private Task<bool> ChangeLeasedAsync(QueueMessage message, string sql, object? value, CancellationToken cancellation)
    {
        if (message.PopReceipt is null)
        {
            return Task.FromResult(false);
        }

        return RunAsync(connection =>
        {
            using var command = Command(connection, sql);
            command.Parameters.AddWithValue("$id", message.Id);
            command.Parameters.AddWithValue("$receipt", message.PopReceipt);
            if (value is not null)
            {
                command.Parameters.AddWithValue("$value", value);
            }

            return command.ExecuteNonQuery() == 1;
        }, cancellation);
    }

    private async Task<T> RunAsync<T>(Func<SqliteConnection, T> work, CancellationToken cancellation)
    {
        await _gate.WaitAsync(cancellation);
        try
        {
            var connection = _connection ?? throw new InvalidOperationException("The queue store is not initialized (or is disposed).");
            return work(connection);
        }
        finally
        {
            _gate.Release();
        }
    }

    private static List<QueueMessage> Read(SqliteCommand command, string queueName)
    {
        var messages = new List<QueueMessage>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            messages.Add(new QueueMessage(
                reader.GetInt64(0),
                queueName,
                reader.GetString(1),
                Time(reader.GetInt64(2)),
                Time(reader.GetInt64(3)),
                reader.GetInt64(4),
                reader.IsDBNull(5) ? null : reader.GetString(5)));
        }

        return messages;
    }

    private static SqliteCommand Command(SqliteConnection connection, string sql)
    {
        var command = connection.CreateCommand();
#pragma warning disable CA2100 // every statement is a constant of this class; values are parameters
        command.CommandText = sql;
#pragma warning restore CA2100
        return command;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = Command(connection, sql);
        command.ExecuteNonQuery();
    }

    private long Now() => _time.GetUtcNow().UtcTicks;

    private static DateTimeOffset Time(long ticks) => new(ticks, TimeSpan.Zero);
}
