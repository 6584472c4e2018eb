using Microsoft.Data.Sqlite;

namespace ServerlessTasks.SqliteStore;

/// <summary>
/// One SQLite connection used by one caller at a time: opened on first use (then <c>onOpen</c> creates the schema
/// and reads what the store keeps in memory), and every <see cref="InTransactionAsync{T}"/> call is one transaction,
/// committed when the work returns and rolled back when it throws. A store reads and writes only through it, so its
/// steps are atomic and serial without SQLite busy errors.
/// </summary>
public sealed class SerialSqlite : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly string _connectionString;
    private readonly Action<SqliteConnection> _onOpen;
    private SqliteConnection? _connection;
    private int _disposed;

    /// <summary>Access to <paramref name="connectionString"/>; <paramref name="onOpen"/> runs once, on the new connection, before its first use.</summary>
    public SerialSqlite(string connectionString, Action<SqliteConnection> onOpen)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        ArgumentNullException.ThrowIfNull(onOpen);
        _connectionString = connectionString;
        _onOpen = onOpen;
    }

    /// <summary>The connection string of a file (its folder created when missing); no pooling, since the one connection is kept.</summary>
    public static string FileConnectionString(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        return new SqliteConnectionStringBuilder { DataSource = full, Pooling = false }.ToString();
    }

    /// <summary>The connection string of a private in-memory database: it lives as long as the one connection.</summary>
    public static string InMemoryConnectionString() => new SqliteConnectionStringBuilder { DataSource = ":memory:", Pooling = false }.ToString();

    /// <summary>Runs <paramref name="work"/> alone, in one transaction (opening the connection first if needed).</summary>
    public async Task<T> InTransactionAsync<T>(Func<SqliteConnection, T> work, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(work);
        await _gate.WaitAsync(cancellation);
        try
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) == 1, this);
            var connection = await EnsureOpenAsync(cancellation);
            using var transaction = connection.BeginTransaction();
            var result = work(connection);
            transaction.Commit();
            return result;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>A command over <paramref name="connection"/> with its parameters (null as SQL NULL); the caller disposes it.</summary>
    public static SqliteCommand Command(SqliteConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(parameters);
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    /// <summary>Runs a statement; the rows it changed.</summary>
    public static int Execute(SqliteConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(connection, sql, parameters);
        return command.ExecuteNonQuery();
    }

    /// <summary>Closes the connection once no call is running; a second dispose does nothing (a store may be registered under two service types).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

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
    }

    private async Task<SqliteConnection> EnsureOpenAsync(CancellationToken cancellation)
    {
        if (_connection is not null)
        {
            return _connection;
        }

        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellation);
            _onOpen(connection);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }

        _connection = connection;
        return connection;
    }
}
