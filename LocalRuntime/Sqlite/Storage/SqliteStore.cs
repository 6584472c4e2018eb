using System.Collections.Concurrent;
using System.Globalization;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace LocalRuntime.Sqlite.Storage;

/// <summary>
/// The provider's file: one writer connection on its own thread committing groups of operations in one
/// transaction each (group commit: while a batch commits the next accumulates), and a small pool of read
/// connections (WAL lets them read while the writer writes). A lock file held for the store's lifetime makes
/// the database single-process: a second process (or a second store in this one) fails to open it.
/// </summary>
/// <remarks>
/// Durability: WAL with <c>synchronous=NORMAL</c>. A commit reaches the WAL with <c>write()</c> before it returns,
/// so it survives any crash of this process (<c>kill -9</c> included); only a power cut or OS crash can lose the
/// last commits (FULL adds an fsync per commit). The database stays consistent either way.
/// </remarks>
internal sealed class SqliteStore : IDisposable
{
    private readonly Channel<WriteOperation> _requests = Channel.CreateUnbounded<WriteOperation>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = false, AllowSynchronousContinuations = false });

    private readonly string _readerConnectionString;
    private readonly int _maxBatchSize;
    private readonly SemaphoreSlim _readerSlots;
    private readonly int _maxReaders;
    private readonly ConcurrentBag<StoreReader> _idleReaders = [];
    private readonly List<WriteOperation> _batch = [];
    private readonly SemaphoreSlim _wake = new(0);
    private readonly FileStream _lockFile;
    private readonly SqliteConnection _writerConnection;
    private readonly StoreWriter _writer;
    private readonly Statement _begin;
    private readonly Statement _commit;
    private readonly Statement _rollback;
    private readonly Statement _savepoint;
    private readonly Statement _release;
    private readonly Statement _rollbackToSavepoint;
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Thread? _thread;
    private int _sleeping;
    private long _transactionsCommitted;
    private long _reads;
    private bool _disposed;

    private SqliteStore(string path, FileStream lockFile, SqliteConnection writer, string readerConnectionString, int maxBatchSize, int maxReaders)
    {
        DatabasePath = path;
        _lockFile = lockFile;
        _writerConnection = writer;
        _readerConnectionString = readerConnectionString;
        _maxBatchSize = maxBatchSize;
        _maxReaders = maxReaders;
        _readerSlots = new SemaphoreSlim(maxReaders, maxReaders);
        _writer = new StoreWriter(writer);
        _begin = new Statement(writer, "BEGIN IMMEDIATE");
        _commit = new Statement(writer, "COMMIT");
        _rollback = new Statement(writer, "ROLLBACK");
        _savepoint = new Statement(writer, "SAVEPOINT op");
        _release = new Statement(writer, "RELEASE op");
        _rollbackToSavepoint = new Statement(writer, "ROLLBACK TO op");
    }

    public string DatabasePath { get; }

    /// <summary>Transactions committed so far (tests: an idle provider commits nothing).</summary>
    public long TransactionsCommitted => Interlocked.Read(ref _transactionsCommitted);

    /// <summary>Reads started so far (tests: an idle provider reads nothing).</summary>
    public long ReadsStarted => Interlocked.Read(ref _reads);

    /// <summary>Opens (creating when missing) the file and its schema; throws <see cref="SqliteProviderException"/> when it cannot be used.</summary>
    public static SqliteStore Open(SqliteOrchestrationServiceOptions options)
    {
        var path = Path.GetFullPath(options.DatabasePath);
        if (Directory.Exists(path))
        {
            throw Unusable(path, "the path is a folder, not a file", null);
        }

        var folder = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        FileStream lockFile;
        try
        {
            // FileShare.None is an exclusive flock on Unix: held until disposed or the process dies.
            lockFile = new FileStream(path + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            throw Unusable(path, "another process (or another service in this one) has it open", ex);
        }

        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Pooling = false, // connections live as long as the store; closing must release the file
            Cache = SqliteCacheMode.Private,
            Mode = SqliteOpenMode.ReadWriteCreate,
            DefaultTimeout = 30,
        };
        SqliteConnection? writer = null;
        try
        {
            writer = OpenConnection(builder.ToString(), path, readOnly: false);
            var mode = Scalar(writer, "PRAGMA journal_mode = WAL") as string;
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            {
                throw Unusable(path, $"it cannot use WAL journal mode (got '{mode}'); put it on a local disk", null);
            }

            Execute(writer, options.FlushEveryCommit ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
            // Fewer, larger checkpoints: each syncs the file, and with many small group commits the sync dominated.
            Execute(writer, "PRAGMA wal_autocheckpoint = 4096");
            EnsureSchema(writer, path);
            builder.Mode = SqliteOpenMode.ReadWrite;
            var store = new SqliteStore(path, lockFile, writer, builder.ToString(), options.MaxWriteBatchSize, options.MaxReadConnections);
            return store;
        }
        catch
        {
            writer?.Dispose();
            lockFile.Dispose();
            throw;
        }
    }

    /// <summary>Reads on the writer connection before the writer starts (start-up: the pending work to load).</summary>
    public T ReadOnWriter<T>(Func<SqliteConnection, T> read)
    {
        if (_thread is not null)
        {
            throw new InvalidOperationException("The writer is running.");
        }

        return read(_writerConnection);
    }

    /// <summary>Starts the writer thread.</summary>
    public void Start()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "SqliteOrchestrationService writer" };
        _thread.Start();
    }

    /// <summary>Queues an operation; its task completes after the transaction that applied it committed (or fails with its error).</summary>
    public Task Enqueue(WriteOperation operation)
    {
        if (!_requests.Writer.TryWrite(operation))
        {
            throw new ObjectDisposedException(nameof(SqliteOrchestrationService), "The SQLite orchestration service is stopped.");
        }

        if (Interlocked.Exchange(ref _sleeping, 0) == 1)
        {
            _wake.Release();
        }

        return operation.Task;
    }

    /// <summary>Runs <paramref name="read"/> on a pooled read connection (on the caller's thread).</summary>
    public async Task<T> ReadAsync<T>(Func<StoreReader, T> read, CancellationToken cancellation = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Interlocked.Increment(ref _reads);
        await _readerSlots.WaitAsync(cancellation);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_idleReaders.TryTake(out var reader))
            {
                reader = new StoreReader(OpenConnection(_readerConnectionString, DatabasePath, readOnly: true));
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

    /// <summary>Stops taking operations, lets the queued ones commit and waits for the writer to end.</summary>
    public Task StopAsync()
    {
        _requests.Writer.TryComplete();
        if (Interlocked.Exchange(ref _sleeping, 0) == 1)
        {
            _wake.Release();
        }

        return _thread is null ? Task.CompletedTask : _stopped.Task;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        for (var i = 0; i < _maxReaders; i++)
        {
            _readerSlots.Wait();
        }

        while (_idleReaders.TryTake(out var reader))
        {
            reader.Dispose();
        }

        foreach (var statement in new[] { _begin, _commit, _rollback, _savepoint, _release, _rollbackToSavepoint })
        {
            statement.Dispose();
        }

        _writer.Dispose();
        _writerConnection.Dispose();
        _lockFile.Dispose();
        _wake.Dispose();
        _readerSlots.Release(_maxReaders);
    }

    private void Run()
    {
        var reader = _requests.Reader;
        try
        {
            while (true)
            {
                if (!reader.TryRead(out var first))
                {
                    // Announce the sleep, then look again: an operation queued in between is either seen here or
                    // finds the flag set and releases the semaphore, so no wake-up is lost.
                    Volatile.Write(ref _sleeping, 1);
                    if (reader.TryRead(out first))
                    {
                        Interlocked.Exchange(ref _sleeping, 0);
                    }
                    else if (reader.Completion.IsCompleted)
                    {
                        break;
                    }
                    else
                    {
                        _wake.Wait();
                        continue;
                    }
                }

                _batch.Add(first);
                while (_batch.Count < _maxBatchSize && reader.TryRead(out var next))
                {
                    _batch.Add(next);
                }

                try
                {
                    ExecuteBatch(_batch);
                }
                catch (Exception ex)
                {
                    foreach (var operation in _batch)
                    {
                        operation.Fail(ex);
                    }
                }

                _batch.Clear();
            }
        }
        finally
        {
            _stopped.TrySetResult();
        }
    }

    private void ExecuteBatch(List<WriteOperation> batch)
    {
        try
        {
            _begin.Execute();
            foreach (var operation in batch)
            {
                _savepoint.Execute();
                try
                {
                    operation.Apply(_writer);
                    _release.Execute();
                }
                catch (Exception ex) when (ex is not SqliteException { SqliteErrorCode: SQLitePCL.raw.SQLITE_FULL or SQLitePCL.raw.SQLITE_IOERR or SQLitePCL.raw.SQLITE_NOMEM })
                {
                    // Only this operation is undone; the others in the batch still commit.
                    operation.Error = ex;
                    _rollbackToSavepoint.Execute();
                    _release.Execute();
                }
            }

            _writer.SaveNextId();
            _commit.Execute();
            _writer.EndBatch(committed: true);
            Interlocked.Increment(ref _transactionsCommitted);
        }
        catch (Exception ex)
        {
            // The transaction as a whole failed (I/O error, disk full): nothing of the batch is stored.
            try
            {
                _rollback.Execute();
            }
            catch (SqliteException)
            {
                // SQLite rolled back already.
            }

            _writer.EndBatch(committed: false);
            foreach (var operation in batch)
            {
                operation.Fail(ex);
            }

            return;
        }

        foreach (var operation in batch)
        {
            if (operation.Error is { } error)
            {
                operation.Fail(error);
                continue;
            }

            try
            {
                operation.Committed();
            }
            catch (Exception ex)
            {
                // Stored, but its memory effects failed: the caller learns of it (the provider logs and recovers on restart).
                operation.Fail(ex);
                continue;
            }

            operation.Succeed();
        }
    }

    private static void EnsureSchema(SqliteConnection connection, string path)
    {
        Execute(connection, "BEGIN IMMEDIATE");
        try
        {
            var version = (long)Scalar(connection, "PRAGMA user_version")!;
            if (version > SqliteSchema.Version)
            {
                throw Unusable(path, $"it has schema version {version}, newer than the {SqliteSchema.Version} this build understands", null);
            }

            if (version == 0 && Scalar(connection, "SELECT COUNT(*) FROM sqlite_master") is long and > 0)
            {
                throw Unusable(path, "it is a SQLite database of something else (it has tables but no schema version)", null);
            }

            Execute(connection, SqliteSchema.Create);
            if (version < SqliteSchema.Version)
            {
                var now = DateTime.UtcNow.Ticks.ToString(CultureInfo.InvariantCulture);
                Execute(connection, $"INSERT INTO schema_version (version, applied_at) VALUES ({SqliteSchema.Version}, {now})");
                Execute(connection, $"PRAGMA user_version = {SqliteSchema.Version}");
            }

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
                // Already rolled back.
            }

            throw;
        }
    }

    private static SqliteConnection OpenConnection(string connectionString, string path, bool readOnly)
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            connection.Open();
            Execute(connection, "PRAGMA busy_timeout = 30000");
            if (readOnly)
            {
                Execute(connection, "PRAGMA query_only = 1");
            }

            return connection;
        }
        catch (SqliteException ex)
        {
            connection.Dispose();
            throw Unusable(path, ex.Message, ex);
        }
    }

    private static SqliteProviderException Unusable(string path, string reason, Exception? inner) =>
        new($"Cannot use the SQLite orchestration store '{path}': {reason}.", inner);

    internal static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    internal static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
