using Microsoft.Data.Sqlite;
using ServerlessTasks.Domain.Model;

namespace ServerlessTasks.TaskIndex.Tests;

/// <summary>A task index file written before result caching opens and gains the <c>cached</c> column.</summary>
public sealed class SqliteTaskIndexMigrationTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "taskindex-old-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Open_AFileFromBeforeCaching_KeepsItsRowsAndStoresTheFlag()
    {
        Directory.CreateDirectory(_directory);
        var path = Path.Combine(_directory, "tasks.db");
        using (var old = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            old.Open();
            using var create = old.CreateCommand();
            create.CommandText = """
                CREATE TABLE tasks (
                  workflow_id TEXT NOT NULL, task_id TEXT NOT NULL, ord INTEGER NOT NULL,
                  task_type TEXT NOT NULL, status INTEGER NOT NULL, priority INTEGER NOT NULL, attempts INTEGER NOT NULL,
                  result TEXT, error TEXT, created_at INTEGER NOT NULL, started_at INTEGER, completed_at INTEGER,
                  start_seq INTEGER NOT NULL, finish_seq INTEGER NOT NULL, worker_id TEXT, hlc TEXT, version INTEGER NOT NULL,
                  PRIMARY KEY (workflow_id, task_id));
                INSERT INTO tasks VALUES ('w', 'old', 1, 'echo', 3, 5, 1, '1', NULL, 0, NULL, NULL, 1, 2, NULL, NULL, 3);
                """;
            create.ExecuteNonQuery();
        }

        await using var index = new SqliteTaskIndex(path);
        var kept = await index.GetAsync("w", "old");
        Assert.Equal("1", kept!.Result);
        Assert.False(kept.Cached);

        await index.ApplyAsync([new TaskIndexEntry { WorkflowId = "w", TaskId = "new", TaskType = "echo", Status = WorkflowTaskStatus.Completed, Cached = true, Version = 3 }]);
        Assert.True((await index.GetAsync("w", "new"))!.Cached);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Still open on some platforms; the temp folder is the OS's to clean.
        }
    }
}
