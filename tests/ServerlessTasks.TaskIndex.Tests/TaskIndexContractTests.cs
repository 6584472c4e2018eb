using ServerlessTasks.Domain.Model;

namespace ServerlessTasks.TaskIndex.Tests;

/// <summary>The task index contract, written once and run against every implementation.</summary>
public abstract partial class TaskIndexContractTests
{
    protected abstract Task<ITaskIndex> CreateAsync();

    private static TaskIndexEntry Entry(string workflow, string task, WorkflowTaskStatus status, long version) => new()
    {
        WorkflowId = workflow,
        TaskId = task,
        TaskType = "echo",
        Status = status,
        Priority = 5,
        CreatedAt = new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero),
        Version = version,
        Result = status == WorkflowTaskStatus.Completed ? "42" : null,
    };

    [Fact]
    public async Task Apply_NewerVersion_ReplacesAndKeepsFirstOrder()
    {
        var index = await CreateAsync();
        await index.ApplyAsync([Entry("w", "a", WorkflowTaskStatus.Pending, 1), Entry("w", "b", WorkflowTaskStatus.Pending, 1)]);
        await index.ApplyAsync([Entry("w", "a", WorkflowTaskStatus.Completed, 3)]);

        var a = await index.GetAsync("w", "a");
        Assert.Equal(WorkflowTaskStatus.Completed, a!.Status);
        Assert.Equal("42", a.Result);
        Assert.Equal(["a", "b"], (await index.ListWorkflowAsync("w")).Select(e => e.TaskId));
    }

    [Fact]
    public async Task Apply_OlderVersionOrRegression_IsIgnored()
    {
        var index = await CreateAsync();
        await index.ApplyAsync([Entry("w", "a", WorkflowTaskStatus.Running, 5)]);
        await index.ApplyAsync([Entry("w", "a", WorkflowTaskStatus.Pending, 4)]);
        Assert.Equal(WorkflowTaskStatus.Running, (await index.GetAsync("w", "a"))!.Status);

        await index.ApplyAsync([Entry("w", "a", WorkflowTaskStatus.Failed, 6)]);
        await index.ApplyAsync([Entry("w", "a", WorkflowTaskStatus.Running, 7)]);
        Assert.Equal(WorkflowTaskStatus.Failed, (await index.GetAsync("w", "a"))!.Status);
    }

    [Fact]
    public async Task List_FiltersByStatus_PagesWithTotal()
    {
        var index = await CreateAsync();
        await index.ApplyAsync([.. Enumerable.Range(0, 7).Select(i => Entry("w", $"t{i}", i % 2 == 0 ? WorkflowTaskStatus.Completed : WorkflowTaskStatus.Pending, 1))]);

        var page = await index.ListAsync(WorkflowTaskStatus.Completed, limit: 2, offset: 1);

        Assert.Equal(4, page.Total);
        Assert.Equal(["t2", "t4"], page.Items.Select(e => e.TaskId));
        Assert.Equal(7, (await index.ListAsync(null, 100, 0)).Total);
        Assert.Empty((await index.ListAsync(null, 10, 50)).Items);
    }

    [Fact]
    public async Task Watch_UnfinishedDependency_WaiterReturnedWhenItFinishes()
    {
        var index = await CreateAsync();
        await index.ApplyAsync([Entry("task:dep", "dep", WorkflowTaskStatus.Running, 1)]);

        var seen = await index.WatchAsync([("task:dep", "dep"), ("task:nope", "nope")], "task:me");
        var waiters = await index.ApplyAsync([Entry("task:dep", "dep", WorkflowTaskStatus.Completed, 2)]);

        Assert.Equal(WorkflowTaskStatus.Running, seen[0]!.Status);
        Assert.Null(seen[1]);
        Assert.Equal([new DependencyWaiter("task:dep", "dep", "task:me")], waiters);
    }

    [Fact]
    public async Task Watch_FinishedDependency_NoRegistration()
    {
        var index = await CreateAsync();
        await index.ApplyAsync([Entry("task:dep", "dep", WorkflowTaskStatus.Completed, 1)]);

        var seen = await index.WatchAsync([("task:dep", "dep")], "task:me");
        var waiters = await index.ApplyAsync([Entry("task:dep", "dep", WorkflowTaskStatus.Completed, 2)]);

        Assert.Equal(WorkflowTaskStatus.Completed, seen[0]!.Status);
        Assert.Empty(waiters);
    }

    [Fact]
    public async Task Waiter_Finishing_RemovesItsRegistrations()
    {
        var index = await CreateAsync();
        await index.ApplyAsync([Entry("task:dep", "dep", WorkflowTaskStatus.Running, 1)]);
        await index.WatchAsync([("task:dep", "dep")], "task:me");

        await index.ApplyAsync([Entry("task:me", "me", WorkflowTaskStatus.Cancelled, 1)]);
        var waiters = await index.ApplyAsync([Entry("task:dep", "dep", WorkflowTaskStatus.Completed, 2)]);

        Assert.Empty(waiters);
    }

    [Fact]
    public async Task ListDependents_WatchedFinishedUnfinishedAndUnknown_KeptAfterTheDependentsFinish()
    {
        var index = await CreateAsync();
        await index.ApplyAsync([Entry("task:dep", "dep", WorkflowTaskStatus.Failed, 3), Entry("task:other", "other", WorkflowTaskStatus.Running, 1)]);
        await index.WatchAsync([("task:dep", "dep"), ("task:other", "other"), ("task:nope", "nope")], "task:b");
        await index.WatchAsync([("task:dep", "dep")], "task:a!x");
        await index.WatchAsync([("task:dep", "dep")], "task:a!x"); // watched again (a replayed activity): listed once

        // Both dependents finish (skipped): their waiter registrations go, the dependent records stay.
        await index.ApplyAsync([Entry("task:b", "b", WorkflowTaskStatus.Skipped, 3), Entry("task:a!x", "a!x", WorkflowTaskStatus.Skipped, 3)]);

        Assert.Equal(["task:a!x", "task:b"], await index.ListDependentsAsync("task:dep", "dep"));
        Assert.Equal(["task:b"], await index.ListDependentsAsync("task:other", "other"));
        Assert.Equal(["task:b"], await index.ListDependentsAsync("task:nope", "nope"));
        Assert.Empty(await index.ListDependentsAsync("task:b", "b"));
        Assert.Empty(await index.ApplyAsync([Entry("task:other", "other", WorkflowTaskStatus.Completed, 2)]));
    }
}

public sealed class InMemoryTaskIndexTests : TaskIndexContractTests
{
    protected override Task<ITaskIndex> CreateAsync() => Task.FromResult<ITaskIndex>(new InMemoryTaskIndex());
}

public sealed class SqliteTaskIndexTests : TaskIndexContractTests, IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "taskindex-" + Guid.NewGuid().ToString("N"));
    private readonly List<SqliteTaskIndex> _opened = [];

    protected override async Task<ITaskIndex> CreateAsync()
    {
        var index = new SqliteTaskIndex(Path.Combine(_directory, "tasks.db"));
        await index.InitializeAsync();
        _opened.Add(index);
        return index;
    }

    [Fact]
    public async Task Reopen_KeepsEntriesAndOrder()
    {
        var first = await CreateAsync();
        await first.ApplyAsync([Entry("w", "x"), Entry("w", "y")]);
        await _opened[0].DisposeAsync();
        _opened.Clear();

        var second = await CreateAsync();
        await second.ApplyAsync([Entry("w", "z")]);

        Assert.Equal(["x", "y", "z"], (await second.ListWorkflowAsync("w")).Select(e => e.TaskId));
    }

    private static TaskIndexEntry Entry(string workflow, string task) => new()
    {
        WorkflowId = workflow, TaskId = task, TaskType = "echo", Version = 1, CreatedAt = DateTimeOffset.UnixEpoch,
    };

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var index in _opened)
        {
            await index.DisposeAsync();
        }

        Directory.Delete(_directory, recursive: true);
    }
}

/// <summary>A task index file written before redrives existed opens with its rows as first runs.</summary>
public sealed class SqliteTaskIndexUpgradeTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "taskindex-old-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Open_FileWithoutRedrivesColumn_AddsItAndClaimsWork()
    {
        Directory.CreateDirectory(_directory);
        var path = Path.Combine(_directory, "tasks.db");
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            // The schema before redrives, with one failed row.
            command.CommandText = """
                CREATE TABLE tasks (
                  workflow_id TEXT NOT NULL, task_id TEXT NOT NULL, ord INTEGER NOT NULL,
                  task_type TEXT NOT NULL, status INTEGER NOT NULL, priority INTEGER NOT NULL, attempts INTEGER NOT NULL,
                  result TEXT, error TEXT, created_at INTEGER NOT NULL, started_at INTEGER, completed_at INTEGER,
                  start_seq INTEGER NOT NULL, finish_seq INTEGER NOT NULL, worker_id TEXT, hlc TEXT, version INTEGER NOT NULL,
                  PRIMARY KEY (workflow_id, task_id));
                INSERT INTO tasks VALUES ('task:a', 'a', 1, 'fail', 3, 5, 2, NULL, 'boom', 0, 0, 0, 1, 2, NULL, NULL, 3);
                """;
            command.ExecuteNonQuery();
        }

        await using var index = new SqliteTaskIndex(path);
        await index.InitializeAsync();

        var old = await index.GetAsync("task:a", "a");
        Assert.Equal(WorkflowTaskStatus.Failed, old!.Status);
        Assert.Equal(0, old.Redrives);
        var claim = await index.ClaimRedriveAsync(old with { Status = WorkflowTaskStatus.Pending, Redrives = 1, Version = 0 }, [WorkflowTaskStatus.Failed]);
        Assert.True(claim.Claimed);
        Assert.Equal(1, (await index.GetAsync("task:a", "a"))!.Redrives);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }
}
