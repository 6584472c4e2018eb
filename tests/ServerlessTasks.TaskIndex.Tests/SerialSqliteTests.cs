using Microsoft.Data.Sqlite;
using ServerlessTasks.SqliteStore;

namespace ServerlessTasks.TaskIndex.Tests;

/// <summary>The one-connection access the SQLite stores share: one transaction per call, rolled back when the work throws.</summary>
public sealed class SerialSqliteTests
{
    private static SerialSqlite Create(List<string>? opened = null) => new(SerialSqlite.InMemoryConnectionString(), connection =>
    {
        SerialSqlite.Execute(connection, "CREATE TABLE t (v INTEGER NOT NULL)");
        opened?.Add("open");
    });

    private static long Count(SqliteConnection connection)
    {
        using var command = SerialSqlite.Command(connection, "SELECT COUNT(*) FROM t");
        return (long)command.ExecuteScalar()!;
    }

    [Fact]
    public async Task InTransaction_WorkThrows_RolledBackAndNextCallRuns()
    {
        await using var db = Create();
        await db.InTransactionAsync(c => SerialSqlite.Execute(c, "INSERT INTO t (v) VALUES ($v)", ("$v", 1)), CancellationToken.None);

        await Assert.ThrowsAsync<InvalidOperationException>(() => db.InTransactionAsync<int>(c =>
        {
            SerialSqlite.Execute(c, "INSERT INTO t (v) VALUES ($v)", ("$v", 2));
            throw new InvalidOperationException("stop");
        }, CancellationToken.None));

        Assert.Equal(1, await db.InTransactionAsync(Count, CancellationToken.None));
    }

    [Fact]
    public async Task InTransaction_ManyConcurrentCalls_OpenedOnceAndNoneLost()
    {
        var opened = new List<string>();
        await using var db = Create(opened);

        await Task.WhenAll(Enumerable.Range(0, 50).Select(i => Task.Run(() => db.InTransactionAsync(c =>
        {
            // Read then write in one step: interleaved steps would lose increments.
            var before = Count(c);
            SerialSqlite.Execute(c, "INSERT INTO t (v) VALUES ($v)", ("$v", before));
            return before;
        }, CancellationToken.None))));

        Assert.Equal(["open"], opened);
        Assert.Equal(50, await db.InTransactionAsync(c =>
        {
            using var command = SerialSqlite.Command(c, "SELECT COUNT(DISTINCT v) FROM t");
            return (long)command.ExecuteScalar()!;
        }, CancellationToken.None));
    }

    [Fact]
    public async Task Dispose_Twice_SecondDoesNothingAndLaterCallsRefused()
    {
        var db = Create();
        await db.InTransactionAsync(Count, CancellationToken.None);

        await db.DisposeAsync();
        await db.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => db.InTransactionAsync(Count, CancellationToken.None));
    }
}
