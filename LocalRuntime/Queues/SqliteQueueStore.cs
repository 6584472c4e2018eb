using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace LocalRuntime.Queues;

/// <summary>
/// The embedded queue: every queue in one SQLite file (WAL), messages surviving crashes, changes signalled to
/// listeners in this process through <see cref="MessageAdded"/> so nothing polls. One connection; each operation
/// is one atomic statement (receives use <c>UPDATE ... RETURNING</c>).
/// </summary>
/// <remarks>
/// The host is this file's only consumer, so deliveries left in flight by a crashed run are made visible again when
/// the store opens (unless <see cref="SqliteQueueStoreOptions.RecoverLeasesOnOpen"/> is off) instead of staying
/// hidden until their visibility timeout ends, as they would in Azure.
/// </remarks>
public sealed class SqliteQueueStore : IQueueStore, IDisposable
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS queue_messages (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            queue TEXT NOT NULL,
            body BLOB NOT NULL,
            inserted_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            visible_at INTEGER NOT NULL,
            dequeue_count INTEGER NOT NULL DEFAULT 0,
            pop_receipt TEXT NULL);
        CREATE INDEX IF NOT EXISTS ix_queue_messages_visible ON queue_messages (queue, visible_at, seq);
        CREATE TABLE IF NOT EXISTS queues (name TEXT PRIMARY KEY) WITHOUT ROWID;
        """;

    private const string Columns = "id, queue, body, inserted_at, expires_at, visible_at, dequeue_count, pop_receipt";

    private const string InsertSql = $"INSERT INTO queue_messages ({Columns}) VALUES ($id, $q, $body, $now, $expires, $visible, 0, NULL)";

    private const string ReceiveSql = $"""
        UPDATE queue_messages SET visible_at = $until, dequeue_count = dequeue_count + 1, pop_receipt = $receipt
        WHERE seq IN (SELECT seq FROM queue_messages WHERE queue = $q AND visible_at <= $now AND expires_at > $now ORDER BY visible_at, seq LIMIT $n)
        RETURNING {Columns}, seq
        """;

    /// <summary>Azure's default (and, with -1, "never") message time to live.</summary>
    private static readonly TimeSpan DefaultTimeToLive = TimeSpan.FromDays(7);

    private readonly TimeProvider _time;
    private readonly ConcurrentQueue<IWork> _work = new();
    private readonly Lock _disposeGate = new();
    private int _draining;
    private SqliteTransaction? _transaction;
    private readonly HashSet<string> _knownQueues = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SqliteCommand> _prepared = new(StringComparer.Ordinal);
    private readonly SqliteConnection _connection;
    private long _nextPurgeTicks;
    private bool _disposed;

    /// <summary>Opens (creating when missing) the queue file named in <paramref name="options"/>.</summary>
    public SqliteQueueStore(SqliteQueueStoreOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.Path);
        Path = System.IO.Path.GetFullPath(options.Path);
        _time = timeProvider ?? TimeProvider.System;
        var folder = System.IO.Path.GetDirectoryName(Path);
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        _connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = 10,
        }.ToString());
        _connection.Open();
        Execute("PRAGMA journal_mode = WAL");
        Execute("PRAGMA synchronous = NORMAL");
        Execute("PRAGMA busy_timeout = 10000");
        Execute(Schema);
        if (options.RecoverLeasesOnOpen)
        {
            // Deliveries of a crashed run can never be settled: visible again now.
            using var recover = Command("UPDATE queue_messages SET pop_receipt = NULL, visible_at = MIN(visible_at, $now) WHERE pop_receipt IS NOT NULL");
            recover.Parameters.AddWithValue("$now", Now());
            recover.ExecuteNonQuery();
        }
    }

    /// <inheritdoc />
    public event Action<string>? MessageAdded;

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <inheritdoc />
    public string ProviderName => "sqlite";

    /// <inheritdoc />
    public bool IsSignalled => true;

    /// <inheritdoc />
    public Task CreateIfNotExistsAsync(string queueName, CancellationToken cancellation = default) =>
        RunAsync(() =>
        {
            EnsureQueue(queueName);
            return true;
        }, cancellation);

    /// <inheritdoc />
    public async Task<QueueMessage> SendAsync(string queueName, BinaryData body, TimeSpan? visibilityDelay = null, TimeSpan? timeToLive = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        var delay = visibilityDelay ?? TimeSpan.Zero;
        if (delay < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(visibilityDelay), "The visibility delay cannot be negative.");
        }

        var now = Now();
        var ttl = timeToLive ?? DefaultTimeToLive;
        var expires = ttl == Timeout.InfiniteTimeSpan || ttl == TimeSpan.FromSeconds(-1) ? DateTimeOffset.MaxValue.UtcTicks : now + ttl.Ticks;
        var message = new QueueMessage(Guid.NewGuid().ToString("D"), queueName, body, Time(now), Time(expires), Time(now + delay.Ticks), 0, null);
        await RunAsync(() =>
        {
            EnsureQueue(queueName);
            return Prepared(
                InsertSql,
                ("$id", message.Id),
                ("$q", queueName),
                ("$body", body.ToArray()),
                ("$now", now),
                ("$expires", expires),
                ("$visible", now + delay.Ticks)).ExecuteNonQuery();
        }, cancellation);
        MessageAdded?.Invoke(queueName);
        return message;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<QueueMessage>> ReceiveAsync(string queueName, int maxMessages, TimeSpan visibilityTimeout, CancellationToken cancellation = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        var now = Now();
        var receipt = Guid.NewGuid().ToString("N");
        return RunAsync<IReadOnlyList<QueueMessage>>(() =>
        {
            PurgeExpired(now);
            var command = Prepared(
                ReceiveSql,
                ("$q", queueName),
                ("$now", now),
                ("$until", now + visibilityTimeout.Ticks),
                ("$receipt", receipt),
                ("$n", maxMessages));
            var rows = new List<(long Seq, QueueMessage Message)>();
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    rows.Add((reader.GetInt64(8), Read(reader)));
                }
            }

            rows.Sort(static (a, b) => a.Seq.CompareTo(b.Seq));
            return [.. rows.Select(r => r.Message)];
        }, cancellation);
    }

    /// <inheritdoc />
    public async Task<QueueMessage?> UpdateVisibilityAsync(QueueMessage message, TimeSpan visibilityTimeout, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.PopReceipt is null)
        {
            return null;
        }

        var visibleAt = Now() + visibilityTimeout.Ticks;
        var receipt = Guid.NewGuid().ToString("N");
        var updated = await RunAsync(() =>
        {
            return Prepared(
                "UPDATE queue_messages SET visible_at = $visible, pop_receipt = $new WHERE id = $id AND pop_receipt = $receipt",
                ("$visible", visibleAt),
                ("$new", receipt),
                ("$id", message.Id),
                ("$receipt", message.PopReceipt)).ExecuteNonQuery() == 1;
        }, cancellation);
        if (!updated)
        {
            return null;
        }

        MessageAdded?.Invoke(message.QueueName);
        return message with { NextVisibleOn = Time(visibleAt), PopReceipt = receipt };
    }

    /// <inheritdoc />
    public Task<bool> DeleteAsync(QueueMessage message, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.PopReceipt is null)
        {
            return Task.FromResult(false);
        }

        return RunAsync(() =>
        {
            return Prepared(
                "DELETE FROM queue_messages WHERE id = $id AND pop_receipt = $receipt",
                ("$id", message.Id),
                ("$receipt", message.PopReceipt)).ExecuteNonQuery() == 1;
        }, cancellation);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<QueueMessage>> PeekAsync(string queueName, int maxMessages = 32, CancellationToken cancellation = default)
    {
        var now = Now();
        return RunAsync<IReadOnlyList<QueueMessage>>(() =>
        {
            using var command = Command($"SELECT {Columns} FROM queue_messages WHERE queue = $q AND visible_at <= $now AND expires_at > $now ORDER BY visible_at, seq LIMIT $n");
            command.Parameters.AddWithValue("$q", queueName);
            command.Parameters.AddWithValue("$now", now);
            command.Parameters.AddWithValue("$n", maxMessages);
            return ReadAll(command);
        }, cancellation);
    }

    /// <summary>Every message of a queue, visible or not, in insertion order, with its pop receipt hidden (for tests and diagnostics).</summary>
    public Task<IReadOnlyList<QueueMessage>> PeekAllAsync(string queueName, CancellationToken cancellation = default) =>
        RunAsync<IReadOnlyList<QueueMessage>>(() =>
        {
            using var command = Command($"SELECT {Columns} FROM queue_messages WHERE queue = $q ORDER BY seq");
            command.Parameters.AddWithValue("$q", queueName);
            return [.. ReadAll(command).Select(m => m with { PopReceipt = null })];
        }, cancellation);

    /// <inheritdoc />
    public Task<int> GetCountAsync(string queueName, CancellationToken cancellation = default) =>
        RunAsync(() =>
        {
            using var command = Command("SELECT COUNT(*) FROM queue_messages WHERE queue = $q");
            command.Parameters.AddWithValue("$q", queueName);
            return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }, cancellation);

    /// <inheritdoc />
    public Task<DateTimeOffset?> GetNextVisibleTimeAsync(string queueName, CancellationToken cancellation = default) =>
        RunAsync(() =>
        {
            return Prepared("SELECT MIN(visible_at) FROM queue_messages WHERE queue = $q", ("$q", queueName)).ExecuteScalar() is long ticks
                ? Time(ticks)
                : (DateTimeOffset?)null;
        }, cancellation);

    /// <summary>Whether the queue has been created (by use or explicitly).</summary>
    public Task<bool> ExistsAsync(string queueName, CancellationToken cancellation = default) =>
        RunAsync(() =>
        {
            using var command = Command("SELECT COUNT(*) FROM queues WHERE name = $q");
            command.Parameters.AddWithValue("$q", queueName);
            return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 1;
        }, cancellation);

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_disposeGate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        // Let a caller that is committing finish; nothing new starts once _disposed is set.
        var spin = default(SpinWait);
        while (Interlocked.CompareExchange(ref _draining, 1, 0) != 0)
        {
            spin.SpinOnce();
        }

        while (_work.TryDequeue(out var orphan))
        {
            orphan.Complete(new ObjectDisposedException(nameof(SqliteQueueStore)));
        }

        foreach (var command in _prepared.Values)
        {
            command.Dispose();
        }

        _connection.Dispose();
    }

    private void EnsureQueue(string queueName)
    {
        if (!_knownQueues.Add(queueName))
        {
            return;
        }

        using var command = Command("INSERT OR IGNORE INTO queues (name) VALUES ($q)");
        command.Parameters.AddWithValue("$q", queueName);
        command.ExecuteNonQuery();
    }

    private void PurgeExpired(long now)
    {
        // Expired messages are never received (the WHERE above); the rows go at most once a minute.
        if (now < _nextPurgeTicks)
        {
            return;
        }

        _nextPurgeTicks = now + TimeSpan.TicksPerMinute;
        using var command = Command("DELETE FROM queue_messages WHERE expires_at <= $now");
        command.Parameters.AddWithValue("$now", now);
        command.ExecuteNonQuery();
    }

    /// <summary>
    /// Runs one operation. Whoever finds the connection free runs every operation waiting, its own included, in one
    /// transaction (group commit: concurrent deliveries share a commit instead of paying one each); the others resume
    /// after that commit.
    /// </summary>
    private Task<T> RunAsync<T>(Func<T> work, CancellationToken cancellation)
    {
        cancellation.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(_disposed, this);
        var item = new Work<T>(work);
        _work.Enqueue(item);
        Drain();
        return item.Task;
    }

    private void Drain()
    {
        // An operation queued while another caller drains is seen by that caller's re-check after it lets go.
        while (!_work.IsEmpty && !_disposed && Interlocked.CompareExchange(ref _draining, 1, 0) == 0)
        {
            try
            {
                var batch = new List<IWork>();
                while (batch.Count < 512 && _work.TryDequeue(out var next))
                {
                    batch.Add(next);
                }

                RunBatch(batch);
            }
            finally
            {
                Volatile.Write(ref _draining, 0);
            }
        }
    }

    private void RunBatch(List<IWork> batch)
    {
        Exception? commitFailure = null;
        try
        {
            _transaction = batch.Count > 1 ? _connection.BeginTransaction(deferred: false) : null;
            foreach (var item in batch)
            {
                // One statement each: a failing one is rolled back alone by SQLite, the rest still commit.
                item.Execute();
            }

            _transaction?.Commit();
        }
        catch (Exception ex)
        {
            commitFailure = ex;
        }
        finally
        {
            _transaction?.Dispose();
            _transaction = null;
        }

        foreach (var item in batch)
        {
            item.Complete(commitFailure);
        }
    }

    private interface IWork
    {
        void Execute();

        void Complete(Exception? commitFailure);
    }

    private sealed class Work<T>(Func<T> run) : IWork
    {
        private readonly TaskCompletionSource<T> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T? _result;
        private Exception? _error;

        public Task<T> Task => _done.Task;

        public void Execute()
        {
            try
            {
                _result = run();
            }
            catch (Exception ex)
            {
                _error = ex;
            }
        }

        public void Complete(Exception? commitFailure)
        {
            if ((_error ?? commitFailure) is { } failure)
            {
                _done.TrySetException(failure);
            }
            else
            {
                _done.TrySetResult(_result!);
            }
        }
    }

    private static QueueMessage Read(SqliteDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        BinaryData.FromBytes((byte[])reader.GetValue(2)),
        Time(reader.GetInt64(3)),
        Time(reader.GetInt64(4)),
        Time(reader.GetInt64(5)),
        reader.GetInt64(6),
        reader.IsDBNull(7) ? null : reader.GetString(7));

    private static List<QueueMessage> ReadAll(SqliteCommand command)
    {
        var messages = new List<QueueMessage>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            messages.Add(Read(reader));
        }

        return messages;
    }

    /// <summary>
    /// The cached, prepared command for <paramref name="sql"/> with <paramref name="values"/> bound (name, value pairs):
    /// statements are parsed once per store, which halves the cost of each operation here.
    /// </summary>
    private SqliteCommand Prepared(string sql, params (string Name, object Value)[] values)
    {
        if (!_prepared.TryGetValue(sql, out var command))
        {
            command = Command(sql);
            foreach (var (name, value) in values)
            {
                command.Parameters.AddWithValue(name, value);
            }

            command.Prepare();
            _prepared[sql] = command;
            command.Transaction = _transaction;
            return command;
        }

        foreach (var (name, value) in values)
        {
            command.Parameters[name].Value = value;
        }

        command.Transaction = _transaction;
        return command;
    }

    private SqliteCommand Command(string sql)
    {
        var command = _connection.CreateCommand();
        command.Transaction = _transaction;
#pragma warning disable CA2100 // every statement is a constant of this class; values are parameters
        command.CommandText = sql;
#pragma warning restore CA2100
        return command;
    }

    private void Execute(string sql)
    {
        using var command = Command(sql);
        command.ExecuteNonQuery();
    }

    private long Now() => _time.GetUtcNow().UtcTicks;

    private static DateTimeOffset Time(long ticks) => new(ticks, TimeSpan.Zero);
}
