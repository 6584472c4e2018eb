using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using LocalRuntime.Durable.Engine;
using LocalRuntime.Durable.Stores;
using Microsoft.Data.Sqlite;
using Microsoft.DurableTask.Client;

namespace LocalRuntime.Sqlite;

/// <summary>
/// The embedded, durable store of the local engine: one SQLite file (plus its <c>-wal</c> and
/// <c>-shm</c> companions) holding instances, histories, messages and activity work items.
/// </summary>
/// <remarks>
/// <para>
/// Writes go through a single writer loop that applies every queued request in one transaction
/// (group commit), so concurrent callers share the cost of a commit; each request still commits or
/// fails as a whole (a savepoint each), and its task completes only once the transaction is durable in
/// the sense below. Reads use a small pool of separate connections, which WAL mode lets read while
/// the writer writes.
/// </para>
/// <para>
/// Durability: the file is in WAL mode with <c>synchronous=NORMAL</c>. A commit appends the
/// transaction to the WAL with <c>write()</c> before it returns, so it sits in the operating system's
/// page cache and survives any crash of this process (exceptions, <c>kill -9</c>); what NORMAL skips is
/// the fsync per commit, so only a power cut or OS crash can lose the last commits, and even then the
/// database stays consistent (WAL frames are checksummed and applied whole transactions at a time). Set
/// <see cref="SqliteDurableStoreOptions.FlushEveryCommit"/> for <c>synchronous=FULL</c> when that
/// matters too.
/// </para>
/// <para>One process at a time should use a file: the store assumes it is the only writer of its ids.</para>
/// </remarks>
public sealed class SqliteDurableStore : IDurableStore
{
    private readonly SqliteDurableStoreOptions _options;
    private readonly string _writerConnectionString;
    private readonly string _readerConnectionString;
    private readonly SemaphoreSlim _initialization = new(1, 1);
    private readonly SemaphoreSlim _readerSlots;
    private readonly ConcurrentBag<ReadConnection> _idleReaders = [];
    private volatile SqliteWriter? _writer;
    private volatile bool _disposed;

    /// <summary>Creates a store over a database file; nothing is opened before first use.</summary>
    /// <param name="pathOrConnectionString">
    /// A file path (created with its folder when missing), or a Microsoft.Data.Sqlite connection string
    /// such as <c>Data Source=data/tasks.db</c>. In-memory databases are refused: use
    /// <see cref="InMemoryDurableStore"/> for that.
    /// </param>
    /// <param name="options">Tuning; defaults when null.</param>
    public SqliteDurableStore(string pathOrConnectionString, SqliteDurableStoreOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pathOrConnectionString);
        _options = options ?? new SqliteDurableStoreOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxBatchSize, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxReadConnections, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.BusyTimeout, TimeSpan.Zero, nameof(options));

        var builder = ParseConnectionString(pathOrConnectionString);
        if (builder.Mode == SqliteOpenMode.Memory || builder.DataSource.Length == 0
            || builder.DataSource.Equals(":memory:", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException(
                "The SQLite durable store needs a database file; for an in-memory store use InMemoryDurableStore.",
                nameof(pathOrConnectionString));
        }

        DatabasePath = Path.GetFullPath(builder.DataSource);
        builder.DataSource = DatabasePath;
        builder.Pooling = false; // connections live as long as the store; closing must release the file
        builder.Cache = SqliteCacheMode.Private; // shared cache would make our own connections lock each other out of tables
        builder.DefaultTimeout = Math.Max(1, (int)Math.Ceiling(_options.BusyTimeout.TotalSeconds));
        builder.Mode = SqliteOpenMode.ReadWriteCreate;
        _writerConnectionString = builder.ToString();
        builder.Mode = SqliteOpenMode.ReadWrite;
        _readerConnectionString = builder.ToString();
        _readerSlots = new SemaphoreSlim(_options.MaxReadConnections, _options.MaxReadConnections);
    }

    /// <summary>The full path of the database file.</summary>
    public string DatabasePath { get; }

    /// <inheritdoc />
    public string ProviderName => "sqlite";

    /// <summary>Opens the file, switches it to WAL, creates or checks the schema and starts the writer. Idempotent.</summary>
    public async Task InitializeAsync(CancellationToken cancellation = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_writer is not null)
        {
            return;
        }

        await _initialization.WaitAsync(cancellation);
        try
        {
            if (_writer is null)
            {
                _writer = OpenWriter();
            }
        }
        finally
        {
            _initialization.Release();
        }
    }

    /// <inheritdoc />
    public async Task<CreateInstanceResult> CreateInstanceAsync(
        InstanceState state,
        OrchestrationMessage startMessage,
        IReadOnlyCollection<OrchestrationRuntimeStatus> blockingStatuses,
        CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(startMessage);
        ArgumentNullException.ThrowIfNull(blockingStatuses);
        var writer = await WriterAsync(cancellation);
        var request = new CreateInstanceRequest(new PreparedInstance(state), new PreparedMessage(startMessage), [.. blockingStatuses], cancellation);
        return await writer.Enqueue(request);
    }

    /// <inheritdoc />
    public Task<InstanceState?> GetInstanceAsync(string instanceId, CancellationToken cancellation = default) =>
        GetInstanceAsync(instanceId, includeInput: true, cancellation);

    /// <inheritdoc />
    public Task<InstanceState?> GetInstanceAsync(string instanceId, bool includeInput, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(instanceId);
        var key = InstanceKey.Encode(instanceId);
        return ReadAsync(reader => reader.GetInstance(key, includeInput), cancellation);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<HistoryEvent>> GetHistoryAsync(string instanceId, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(instanceId);
        var key = InstanceKey.Encode(instanceId);
        return ReadAsync<IReadOnlyList<HistoryEvent>>(reader => reader.GetHistory(key), cancellation);
    }

    /// <inheritdoc />
    /// <remarks>
    /// One indexed SQL query: the primary key (instance id in ordinal order) gives the order, the
    /// continuation and the prefix range; the status and creation-time indexes serve selective filters.
    /// </remarks>
    public Task<InstancePage> QueryInstancesAsync(InstanceFilter filter, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentOutOfRangeException.ThrowIfLessThan(filter.PageSize, 1, nameof(filter));
        return ReadAsync(reader =>
        {
            using var command = BuildQuery(reader.Connection, filter, explain: false);
            var fetched = new List<InstanceState>();
            using var rows = command.ExecuteReader();
            while (rows.Read())
            {
                fetched.Add(Rows.ReadInstance(rows));
            }

            return InstanceFilterMatcher.ToPage(fetched, filter.PageSize);
        }, cancellation);
    }

    /// <inheritdoc />
    public async Task<bool> PurgeInstanceAsync(string instanceId, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(instanceId);
        var writer = await WriterAsync(cancellation);
        return await writer.Enqueue(new PurgeRequest(InstanceKey.Encode(instanceId), cancellation));
    }

    /// <inheritdoc />
    public async Task SendMessagesAsync(IReadOnlyList<OrchestrationMessage> messages, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (messages.Count == 0)
        {
            return;
        }

        var writer = await WriterAsync(cancellation);
        await writer.Enqueue(new SendMessagesRequest(PreparedMessage.All(messages), cancellation));
    }

    /// <inheritdoc />
    public async Task DiscardMessagesAsync(IReadOnlyList<long> messageIds, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(messageIds);
        if (messageIds.Count == 0)
        {
            return;
        }

        var writer = await WriterAsync(cancellation);
        await writer.Enqueue(new DiscardMessagesRequest([.. messageIds], cancellation));
    }

    /// <inheritdoc />
    public async Task CommitCheckpointAsync(OrchestrationCheckpoint checkpoint, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var writer = await WriterAsync(cancellation);
        await writer.Enqueue(new CheckpointRequest(checkpoint, cancellation));
    }

    /// <inheritdoc />
    public async Task<bool> CompleteActivityAsync(long workItemId, OrchestrationMessage result, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(result);
        var writer = await WriterAsync(cancellation);
        return await writer.Enqueue(new CompleteActivityRequest(workItemId, new PreparedMessage(result), cancellation));
    }

    /// <inheritdoc />
    /// <remarks>
    /// Read in one transaction on the writer, so it is a consistent snapshot. Handing activities out counts
    /// as a delivery: the stored dequeue count of each goes up by one (the returned items carry the
    /// count from before), so a work item that keeps crashing its host shows a growing count.
    /// </remarks>
    public async Task<PendingWork> LoadPendingWorkAsync(CancellationToken cancellation = default)
    {
        var writer = await WriterAsync(cancellation);
        return await writer.Enqueue(new LoadPendingWorkRequest(cancellation));
    }

    /// <summary>Lets queued writes commit, then closes every connection (releasing the file).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _initialization.WaitAsync();
        try
        {
            if (_writer is { } writer)
            {
                await writer.StopAsync();
                writer.Dispose();
            }

            for (var i = 0; i < _options.MaxReadConnections; i++)
            {
                await _readerSlots.WaitAsync();
            }

            while (_idleReaders.TryTake(out var reader))
            {
                reader.Dispose();
            }

            // Readers that got past the disposed check wake up, see it again and throw.
            _readerSlots.Release(_options.MaxReadConnections);
        }
        finally
        {
            _initialization.Release();
        }
    }

    /// <summary>The query plan SQLite chooses for a filter (tests check it uses an index).</summary>
    internal Task<string> ExplainQueryAsync(InstanceFilter filter) => ReadAsync(reader =>
    {
        using var command = BuildQuery(reader.Connection, filter, explain: true);
        using var rows = command.ExecuteReader();
        var plan = new StringBuilder();
        while (rows.Read())
        {
            plan.AppendLine(rows.GetString(3));
        }

        return plan.ToString();
    }, CancellationToken.None);

    private static SqliteConnectionStringBuilder ParseConnectionString(string value)
    {
        if (value.Contains('=', StringComparison.Ordinal))
        {
            try
            {
                var parsed = new SqliteConnectionStringBuilder(value);
                if (parsed.DataSource.Length > 0)
                {
                    return parsed;
                }
            }
            catch (ArgumentException)
            {
                // Not a connection string (a path with '=' in it): taken as a path below.
            }
        }

        return new SqliteConnectionStringBuilder { DataSource = value };
    }

    private static SqliteCommand BuildQuery(SqliteConnection connection, InstanceFilter filter, bool explain)
    {
        var command = connection.CreateCommand();
        var sql = new StringBuilder(explain ? "EXPLAIN QUERY PLAN " : string.Empty)
            .Append("SELECT ").Append(SqliteSchema.InstanceColumns).Append(" FROM instances WHERE 1 = 1");
        if (filter.ContinuationToken is { } after)
        {
            sql.Append(" AND instance_key > @after");
            command.Parameters.AddWithValue("@after", InstanceKey.Encode(after));
        }

        if (!string.IsNullOrEmpty(filter.InstanceIdPrefix))
        {
            var prefix = InstanceKey.Encode(filter.InstanceIdPrefix);
            sql.Append(" AND instance_key >= @prefix");
            command.Parameters.AddWithValue("@prefix", prefix);
            if (InstanceKey.PrefixUpperBound(prefix) is { } upper)
            {
                sql.Append(" AND instance_key < @upper");
                command.Parameters.AddWithValue("@upper", upper);
            }
        }

        if (filter.CreatedFrom is { } from)
        {
            sql.Append(" AND created_at >= @from");
            command.Parameters.AddWithValue("@from", StoredJson.ToUtcTicks(from));
        }

        if (filter.CreatedTo is { } to)
        {
            sql.Append(" AND created_at <= @to");
            command.Parameters.AddWithValue("@to", StoredJson.ToUtcTicks(to));
        }

        if (filter.Statuses is { Count: > 0 } statuses)
        {
            sql.Append(" AND status IN (");
            var i = 0;
            foreach (var status in statuses.Distinct())
            {
                var name = "@s" + i.ToString(CultureInfo.InvariantCulture);
                sql.Append(i++ == 0 ? string.Empty : ", ").Append(name);
                command.Parameters.AddWithValue(name, (int)status);
            }

            sql.Append(')');
        }

        // One row more than the page tells whether another page follows.
        sql.Append(" ORDER BY instance_key LIMIT @take");
        command.Parameters.AddWithValue("@take", (long)filter.PageSize + 1);
        command.CommandText = sql.ToString();
        return command;
    }

    private async ValueTask<SqliteWriter> WriterAsync(CancellationToken cancellation)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_writer is { } writer)
        {
            return writer;
        }

        await InitializeAsync(cancellation);
        return _writer!;
    }

    private async Task<T> ReadAsync<T>(Func<ReadConnection, T> read, CancellationToken cancellation)
    {
        await WriterAsync(cancellation);
        await _readerSlots.WaitAsync(cancellation);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_idleReaders.TryTake(out var reader))
            {
                reader = new ReadConnection(Open(_readerConnectionString, reader: true));
            }

            try
            {
                return read(reader);
            }
            finally
            {
                _idleReaders.Add(reader);
            }
        }
        finally
        {
            _readerSlots.Release();
        }
    }

    private SqliteWriter OpenWriter()
    {
        var folder = Path.GetDirectoryName(DatabasePath);
        if (Directory.Exists(DatabasePath))
        {
            throw Unusable("the path is a folder, not a file", null);
        }

        try
        {
            if (!string.IsNullOrEmpty(folder))
            {
                Directory.CreateDirectory(folder);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Unusable($"its folder cannot be created ({ex.Message})", ex);
        }

        var connection = Open(_writerConnectionString, reader: false);
        try
        {
            var mode = Scalar(connection, "PRAGMA journal_mode = WAL") as string;
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            {
                throw Unusable($"it cannot use WAL journal mode (got '{mode}'); put it on a local disk", null);
            }

            // NORMAL is safe against process crashes in WAL mode (see the class remarks); FULL adds an
            // fsync per commit for power-loss durability.
            Execute(connection, _options.FlushEveryCommit ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");

            // Checkpoint the WAL into the database every 4,096 pages (16 MB) instead of SQLite's 1,000: each
            // checkpoint syncs the file, and with many small group commits that sync dominated the commit cost.
            // Durability is unchanged (a commit is durable once in the WAL); the WAL file just grows larger.
            Execute(connection, "PRAGMA wal_autocheckpoint = 4096");
            EnsureSchema(connection);
            return new SqliteWriter(connection, _options.MaxBatchSize, "SqliteDurableStore writer " + Path.GetFileName(DatabasePath));
        }
        catch (SqliteException ex)
        {
            connection.Dispose();
            throw Unusable(Describe(ex), ex);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private void EnsureSchema(SqliteConnection connection)
    {
        Execute(connection, "BEGIN IMMEDIATE");
        try
        {
            var hasMeta = Scalar(connection, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'") is not null;
            var version = hasMeta ? Scalar(connection, "SELECT value FROM meta WHERE name = 'schema_version'") as long? : null;
            if (version > SqliteSchema.Version)
            {
                throw Unusable(
                    $"it has schema version {version}, newer than the {SqliteSchema.Version} this build understands; use a newer build or another file",
                    null);
            }

            if (!hasMeta && Scalar(connection, "SELECT COUNT(*) FROM sqlite_master") is long and > 0)
            {
                throw Unusable("it is a SQLite database of something else (it has tables but no store schema)", null);
            }

            var migrateV1 = version == 1;
            if (migrateV1)
            {
                Execute(connection, SqliteSchema.MigrateV1Rename);
            }

            Execute(connection, SqliteSchema.Create);
            if (migrateV1)
            {
                Execute(connection, SqliteSchema.MigrateV1Copy);
            }

            Execute(connection, $"INSERT OR REPLACE INTO meta (name, value) VALUES ('schema_version', {SqliteSchema.Version})");
            Execute(connection, "COMMIT");
        }
        catch
        {
            try
            {
                Execute(connection, "ROLLBACK");
            }
            catch (SqliteException)
            {
                // Already rolled back by SQLite after the error.
            }

            throw;
        }
    }

    private SqliteConnection Open(string connectionString, bool reader)
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            connection.Open();
            Execute(connection, "PRAGMA busy_timeout = " + ((long)_options.BusyTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture));
            if (reader)
            {
                Execute(connection, "PRAGMA query_only = 1");
            }

            return connection;
        }
        catch (SqliteException ex)
        {
            connection.Dispose();
            throw Unusable(Describe(ex), ex);
        }
    }

    private SqliteDurableStoreException Unusable(string reason, Exception? inner) =>
        new($"Cannot use the SQLite durable store file '{DatabasePath}': {reason}.", DatabasePath, inner);

    private static string Describe(SqliteException ex) => ex.SqliteErrorCode switch
    {
        SQLitePCL.raw.SQLITE_CANTOPEN => "the file cannot be opened or created (check that the path exists and is writable)",
        SQLitePCL.raw.SQLITE_NOTADB => "the file is not a SQLite database",
        SQLitePCL.raw.SQLITE_READONLY => "the file or its folder is read-only",
        SQLitePCL.raw.SQLITE_PERM or SQLitePCL.raw.SQLITE_AUTH => "permission denied",
        SQLitePCL.raw.SQLITE_BUSY or SQLitePCL.raw.SQLITE_LOCKED => "another process keeps the database locked",
        SQLitePCL.raw.SQLITE_CORRUPT => "the database file is corrupt",
        SQLitePCL.raw.SQLITE_FULL => "the disk is full",
        _ => ex.Message,
    };

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    /// <summary>A read connection with its prepared statements.</summary>
    private sealed class ReadConnection : IDisposable
    {
        private readonly Statement _getInstance;
        private readonly Statement _getInstanceWithoutInput;
        private readonly Statement _getHistory;

        public ReadConnection(SqliteConnection connection)
        {
            Connection = connection;
            _getInstance = new Statement(connection, $"SELECT {SqliteSchema.InstanceColumns} FROM instances WHERE instance_key = @k", "@k");
            _getInstanceWithoutInput = new Statement(
                connection, $"SELECT {SqliteSchema.InstanceColumnsWithoutInput} FROM instances WHERE instance_key = @k", "@k");
            _getHistory = new Statement(connection, "SELECT event FROM history WHERE instance_key = @k ORDER BY seq", "@k");
        }

        public SqliteConnection Connection { get; }

        public InstanceState? GetInstance(byte[] key, bool includeInput = true)
        {
            using var reader = (includeInput ? _getInstance : _getInstanceWithoutInput).Set(0, key).Query();
            return reader.Read() ? Rows.ReadInstance(reader) : null;
        }

        public List<HistoryEvent> GetHistory(byte[] key)
        {
            var history = new List<HistoryEvent>();
            using var reader = _getHistory.Set(0, key).Query();
            while (reader.Read())
            {
                history.Add(StoredJson.DeserializeEvent(reader.GetString(0)));
            }

            return history;
        }

        public void Dispose()
        {
            _getInstance.Dispose();
            _getInstanceWithoutInput.Dispose();
            _getHistory.Dispose();
            Connection.Dispose();
        }
    }
}
