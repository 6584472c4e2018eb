using ServerlessTasks.Domain.Scheduling;
using ServerlessTasks.Domain.Workers;

namespace ServerlessTasks.TaskIndex.Tests;

/// <summary>The worker store contract, written once and run against every provider (one-line subclasses below).</summary>
public abstract class WorkerLeaseStoreContractTests
{
    private static readonly DateTimeOffset T0 = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly IPriorityPolicy Policy = LeaseSelector.DefaultPolicy(TimeSpan.FromSeconds(30));

    protected abstract IWorkerLeaseStore Create();

    private static ExternalTaskRecord Task(string taskId, string type = "resize", int priority = 5, int runAttempt = 1, DateTimeOffset? at = null, string workflow = "wf")
    {
        var queued = new QueuedTask(taskId, type, priority, null, at ?? T0, 0);
        var (lane, order) = LeaseSelector.Place(Policy, queued);
        return new ExternalTaskRecord
        {
            WorkflowId = workflow,
            TaskId = taskId,
            InstanceId = workflow,
            RunAttempt = runAttempt,
            Attempt = runAttempt,
            TaskType = type,
            Payload = "{\"n\":1}",
            Priority = priority,
            EnqueuedAt = at ?? T0,
            Lane = lane,
            LaneOrder = order,
        };
    }

    private static Task<IReadOnlyList<ExternalTaskRecord>> Lease(IWorkerLeaseStore store, string worker, int max, DateTimeOffset now) =>
        store.LeaseAsync(worker, max, now, now.AddSeconds(60), (candidates, n) => LeaseSelector.Select(Policy, candidates, c => c.AsQueued(), now, n), () => "0000000000000001@test");

    [Fact]
    public async Task Register_NewThenAgain_CreatedOnceAndReplacesCapabilities()
    {
        var store = Create();
        var (first, created) = await store.RegisterAsync(new WorkerRegistration("w1", ["resize"], 2), T0);
        var (again, createdAgain) = await store.RegisterAsync(new WorkerRegistration("w1", ["resize", "transcode"], 3), T0.AddSeconds(1));

        Assert.True(created);
        Assert.False(createdAgain);
        Assert.Equal(["resize"], first.Capabilities);
        Assert.Equal(["resize", "transcode"], again.Capabilities);
        Assert.Equal(3, again.MaxConcurrentTasks);
        Assert.Equal(T0, again.RegisteredAt);
        Assert.Single(await store.ListWorkersAsync());
    }

    [Fact]
    public async Task Lease_TenantWorker_GetsItsTenantsTasksAlone_EvenBehindOthers()
    {
        var store = Create();
        await store.RegisterAsync(new WorkerRegistration("acme-w", ["resize"], 10) { Tenant = "acme" }, T0);
        await store.RegisterAsync(new WorkerRegistration("any-w", ["resize"], 10), T0);
        // globex's tasks come first (higher priority) and outnumber the worker's slots: acme's must still be found.
        for (var i = 0; i < 12; i++)
        {
            await store.EnqueueAsync(Task($"g{i}", priority: 9, workflow: $"g-wf-{i}") with { Tenant = "globex" });
        }

        await store.EnqueueAsync(Task("a1", priority: 1, workflow: "a-wf") with { Tenant = "acme" });
        var acme = await Lease(store, "acme-w", 10, T0.AddSeconds(1));
        Assert.Equal(["a1"], acme.Select(t => t.TaskId));
        Assert.Equal("acme", acme[0].Tenant);
        Assert.Equal("acme", (await store.GetWorkerAsync("acme-w"))!.Tenant);

        // A worker without a tenant takes any tenant's tasks, as before tenants existed.
        Assert.Equal(10, (await Lease(store, "any-w", 10, T0.AddSeconds(2))).Count);
    }

    [Fact]
    public async Task Heartbeat_UnknownWorker_ReturnsNull()
    {
        var store = Create();
        Assert.Null(await store.HeartbeatAsync("nobody", WorkerStatus.Active, 0, null, T0, T0.AddSeconds(60)));
    }

    [Fact]
    public async Task Lease_HighestPriorityFirst_NeverMoreThanFreeSlots()
    {
        var store = Create();
        await store.RegisterAsync(new WorkerRegistration("w1", ["resize"], 2), T0);
        await store.EnqueueAsync(Task("low", priority: 1));
        await store.EnqueueAsync(Task("high", priority: 9));
        await store.EnqueueAsync(Task("mid", priority: 5));
        await store.EnqueueAsync(Task("other", type: "transcode", priority: 10));

        var first = await Lease(store, "w1", 10, T0);
        var second = await Lease(store, "w1", 10, T0);

        Assert.Equal(["high", "mid"], first.Select(t => t.TaskId));
        Assert.Empty(second); // both slots held
        Assert.All(first, t => Assert.Equal(ExternalTaskState.Leased, t.State));
        Assert.NotEqual(first[0].LeaseToken, first[1].LeaseToken);
        Assert.Equal(2, (await store.GetWorkerAsync("w1"))!.LeasedTasks);
    }

    [Fact]
    public async Task Lease_OldLowPriorityTask_AgesPastNewHighOne()
    {
        var store = Create();
        await store.RegisterAsync(new WorkerRegistration("w1", ["resize"], 1), T0);
        await store.EnqueueAsync(Task("old-low", priority: 1, at: T0));
        await store.EnqueueAsync(Task("new-high", priority: 9, at: T0.AddMinutes(10)));

        // Ten minutes at 30 s per level: the old task reached level 10, the new one is still at 9.
        var leased = await Lease(store, "w1", 1, T0.AddMinutes(10));

        Assert.Equal("old-low", Assert.Single(leased).TaskId);
    }

    [Fact]
    public async Task Return_LeaseNeverDelivered_WaitsAgainInItsPlaceSameAttemptTokenVoid()
    {
        var store = Create();
        await store.RegisterAsync(new WorkerRegistration("w1", ["resize"], 2), T0);
        await store.RegisterAsync(new WorkerRegistration("w2", ["resize"], 2), T0);
        await store.EnqueueAsync(Task("first", priority: 9));
        await store.EnqueueAsync(Task("second", priority: 5));
        var lease = Assert.Single(await Lease(store, "w1", 1, T0));

        var byOther = await store.ReturnAsync("w2", [lease.LeaseToken!]);
        var returned = await store.ReturnAsync("w1", [lease.LeaseToken!, "not-a-token"]);
        var again = await Lease(store, "w2", 2, T0.AddSeconds(1));

        Assert.Equal(0, byOther); // another worker's token gives nothing back
        Assert.Equal(1, returned);
        Assert.Equal(0, (await store.GetWorkerAsync("w1"))!.LeasedTasks);
        Assert.Equal(["first", "second"], again.Select(t => t.TaskId)); // back at the head, not behind "second"
        Assert.Equal(1, again[0].Attempt);
        Assert.Equal(0, again[0].Requeues);
        Assert.Equal(LeaseVerdictKind.Unknown, (await store.FinishAsync(lease.LeaseToken!, "w1", _ => "{}", T0.AddSeconds(2))).Kind);
    }

    [Fact]
    public async Task Finish_CurrentToken_AcceptedOnceThenRepeated()
    {
        var store = Create();
        await store.RegisterAsync(new WorkerRegistration("w1", ["resize"], 1), T0);
        await store.EnqueueAsync(Task("a"));
        var lease = Assert.Single(await Lease(store, "w1", 1, T0));

        var done = await store.FinishAsync(lease.LeaseToken!, "w1", _ => "{\"ok\":true}", T0.AddSeconds(1));
        var again = await store.FinishAsync(lease.LeaseToken!, "w1", _ => "{\"other\":true}", T0.AddSeconds(2));

        Assert.Equal(LeaseVerdictKind.Accepted, done.Kind);
        Assert.Equal(ExternalTaskState.Finished, done.Task!.State);
        Assert.Equal(LeaseVerdictKind.Repeated, again.Kind);
        Assert.Equal("{\"ok\":true}", (await store.GetTaskAsync("wf", "a"))!.Outcome);
    }

    [Fact]
    public async Task Finish_WrongOrExpiredToken_RefusedAndChangesNothing()
    {
        var store = Create();
        await store.RegisterAsync(new WorkerRegistration("w1", ["resize"], 1), T0);
        await store.RegisterAsync(new WorkerRegistration("w2", ["resize"], 1), T0);
        await store.EnqueueAsync(Task("a"));
        var lease = Assert.Single(await Lease(store, "w1", 1, T0));

        Assert.Equal(LeaseVerdictKind.Unknown, (await store.FinishAsync("not-a-token", "w1", _ => "{}", T0)).Kind);
        Assert.Equal(LeaseVerdictKind.WrongWorker, (await store.FinishAsync(lease.LeaseToken!, "w2", _ => "{}", T0)).Kind);
        Assert.Equal(LeaseVerdictKind.Expired, (await store.FinishAsync(lease.LeaseToken!, "w1", _ => "{}", T0.AddSeconds(61))).Kind);

        var row = await store.GetTaskAsync("wf", "a");
        Assert.Equal(ExternalTaskState.Leased, row!.State);
        Assert.Null(row.Outcome);
    }

    [Fact]
    public async Task RequeueLost_DeadWorker_SupersedesTokenAndCountsAttempt()
    {
        var store = Create();
        await store.RegisterAsync(new WorkerRegistration("w1", ["resize"], 1), T0);
        await store.RegisterAsync(new WorkerRegistration("w2", ["resize"], 1), T0);
        await store.EnqueueAsync(Task("a"));
        var lease = Assert.Single(await Lease(store, "w1", 1, T0));
        await store.HeartbeatAsync("w2", WorkerStatus.Active, 0, null, T0.AddSeconds(40), T0.AddSeconds(100));

        var dead = await store.MarkDeadAsync(T0.AddSeconds(10), T0.AddSeconds(40));
        var requeued = await store.RequeueLostAsync(T0.AddSeconds(40), 5, _ => "{}");
        var again = Assert.Single(await Lease(store, "w2", 1, T0.AddSeconds(41)));
        var late = await store.FinishAsync(lease.LeaseToken!, "w1", _ => "{\"late\":true}", T0.AddSeconds(42));

        Assert.Equal("w1", Assert.Single(dead).WorkerId);
        Assert.Equal(2, Assert.Single(requeued).Attempt);
        Assert.Equal("w1", requeued[0].WorkerId); // the worker that lost it, for the event
        Assert.Equal(2, again.Attempt);
        Assert.NotEqual(lease.LeaseToken, again.LeaseToken);
        Assert.Equal(LeaseVerdictKind.Unknown, late.Kind);
        Assert.Equal(ExternalTaskState.Leased, (await store.GetTaskAsync("wf", "a"))!.State);
    }

    [Fact]
    public async Task RequeueLost_TooManyRequeues_FinishesWithGiveUpOutcome()
    {
        var store = Create();
        await store.RegisterAsync(new WorkerRegistration("w1", ["resize"], 1), T0);
        await store.EnqueueAsync(Task("a"));
        await Lease(store, "w1", 1, T0);

        var given = await store.RequeueLostAsync(T0.AddSeconds(61), 0, t => "{\"gave_up\":" + t.Attempt + "}");

        Assert.Equal(ExternalTaskState.Finished, Assert.Single(given).State);
        Assert.Equal("{\"gave_up\":1}", (await store.GetTaskAsync("wf", "a"))!.Outcome);
    }

    [Fact]
    public async Task Enqueue_SameRunAttemptTwice_KeepsLease_LaterAttemptContinuesNumbering()
    {
        var store = Create();
        await store.RegisterAsync(new WorkerRegistration("w1", ["resize"], 2), T0);
        Assert.True(await store.EnqueueAsync(Task("a")));
        var lease = Assert.Single(await Lease(store, "w1", 1, T0));
        await store.RequeueLostAsync(T0.AddSeconds(61), 5, _ => "{}"); // delivery 2 of run attempt 1

        Assert.False(await store.EnqueueAsync(Task("a"))); // the activity delivered again
        Assert.True(await store.EnqueueAsync(Task("a", runAttempt: 2)));
        var row = await store.GetTaskAsync("wf", "a");

        Assert.Equal(3, row!.Attempt);
        Assert.Equal(ExternalTaskState.Waiting, row.State);
        Assert.Equal(LeaseVerdictKind.Unknown, (await store.FinishAsync(lease.LeaseToken!, "w1", _ => "{}", T0.AddSeconds(62))).Kind);
    }

    [Fact]
    public async Task Withdraw_ThenComplete_Refused()
    {
        var store = Create();
        await store.RegisterAsync(new WorkerRegistration("w1", ["resize"], 1), T0);
        await store.EnqueueAsync(Task("a"));
        var lease = Assert.Single(await Lease(store, "w1", 1, T0));

        Assert.True(await store.WithdrawAsync("wf", "a", 1, T0.AddSeconds(1)));
        Assert.Equal(LeaseVerdictKind.Unknown, (await store.FinishAsync(lease.LeaseToken!, "w1", _ => "{}", T0.AddSeconds(2))).Kind);
        Assert.Equal(0, (await store.GetWorkerAsync("w1"))!.LeasedTasks);
    }

    [Fact]
    public async Task Heartbeat_RenewsLeasesOfTheWorker()
    {
        var store = Create();
        await store.RegisterAsync(new WorkerRegistration("w1", ["resize"], 1), T0);
        await store.EnqueueAsync(Task("a"));
        var lease = Assert.Single(await Lease(store, "w1", 1, T0));

        await store.HeartbeatAsync("w1", WorkerStatus.Active, 1, "{\"cpu\":1}", T0.AddSeconds(50), T0.AddSeconds(110));

        Assert.Empty(await store.RequeueLostAsync(T0.AddSeconds(100), 5, _ => "{}"));
        Assert.Equal(LeaseVerdictKind.Accepted, (await store.FinishAsync(lease.LeaseToken!, "w1", _ => "{}", T0.AddSeconds(100))).Kind);
        Assert.Equal("{\"cpu\":1}", (await store.GetWorkerAsync("w1"))!.SystemInfo);
    }

    [Fact]
    public async Task Deregister_RequeuesHeldTasks_DrainingWorkerLeasesNothing()
    {
        var store = Create();
        await store.RegisterAsync(new WorkerRegistration("w1", ["resize"], 1), T0);
        await store.RegisterAsync(new WorkerRegistration("w2", ["resize"], 1), T0);
        await store.EnqueueAsync(Task("a"));
        await Lease(store, "w1", 1, T0);
        await store.HeartbeatAsync("w2", WorkerStatus.Draining, 0, null, T0, T0.AddSeconds(60));

        var requeued = await store.DeregisterAsync("w1", T0.AddSeconds(1));

        Assert.Equal("a", Assert.Single(requeued!).TaskId);
        Assert.Empty(await Lease(store, "w2", 1, T0.AddSeconds(2)));
        Assert.Null(await store.DeregisterAsync("w1", T0));
        var stats = await store.GetStatsAsync();
        Assert.Equal(1, stats.Waiting);
        Assert.Equal(T0, stats.OldestWaitingSince);
        Assert.Equal(1, stats.WaitingByType["resize"].Count);
    }

    [Fact]
    public async Task Lease_WorkerMarkedDead_IsActiveAgain()
    {
        var store = Create();
        await store.RegisterAsync(new WorkerRegistration("w1", ["resize"], 1), T0);
        await store.MarkDeadAsync(T0.AddSeconds(1), T0.AddSeconds(1));
        await store.EnqueueAsync(Task("a"));

        var leased = await Lease(store, "w1", 1, T0.AddSeconds(2));

        Assert.Equal("a", Assert.Single(leased).TaskId);
        var worker = await store.GetWorkerAsync("w1");
        Assert.Equal(WorkerStatus.Active, worker!.Status);
        Assert.Null(worker.DeadAt);
    }

    [Fact]
    public async Task Purge_ForgetsDeadWorkersAndDeliveredRows()
    {
        var store = Create();
        await store.RegisterAsync(new WorkerRegistration("w1", ["resize"], 1), T0);
        await store.EnqueueAsync(Task("a"));
        var lease = Assert.Single(await Lease(store, "w1", 1, T0));
        await store.FinishAsync(lease.LeaseToken!, "w1", _ => "{}", T0);
        await store.MarkDeliveredAsync("wf", "a", 1, T0);
        await store.MarkDeadAsync(T0.AddSeconds(1), T0.AddSeconds(2));

        await store.PurgeAsync(T0.AddSeconds(3), T0.AddSeconds(3));

        Assert.Empty(await store.ListWorkersAsync());
        Assert.Null(await store.GetTaskAsync("wf", "a"));
    }
}

/// <summary>The contract on the SQLite provider (a temp file).</summary>
public sealed class SqliteWorkerLeaseStoreTests : WorkerLeaseStoreContractTests, IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "st-workers-" + Guid.NewGuid().ToString("N")[..8]);

    protected override IWorkerLeaseStore Create() => new SqliteWorkerLeaseStore(Path.Combine(_folder, "workers.db"));

    [Fact]
    public async Task Open_AFileFromBeforeTenants_GainsTheColumns()
    {
        Directory.CreateDirectory(_folder);
        var path = Path.Combine(_folder, "old.db");
        // The schema as it was before tenants (no tenant columns), with a worker and a task in it.
        using (var old = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False"))
        {
            old.Open();
            using var create = old.CreateCommand();
            create.CommandText = """
                CREATE TABLE workers (worker_id TEXT NOT NULL PRIMARY KEY, capabilities TEXT NOT NULL, max_concurrent INTEGER NOT NULL, status INTEGER NOT NULL,
                  reported INTEGER NOT NULL, registered_at INTEGER NOT NULL, last_heartbeat INTEGER NOT NULL, dead_at INTEGER, system_info TEXT);
                CREATE TABLE external_tasks (workflow_id TEXT NOT NULL, task_id TEXT NOT NULL, instance_id TEXT NOT NULL, run_attempt INTEGER NOT NULL, attempt INTEGER NOT NULL,
                  task_type TEXT NOT NULL, payload TEXT, priority INTEGER NOT NULL, deadline INTEGER, enqueued_at INTEGER NOT NULL, seq INTEGER NOT NULL,
                  lane INTEGER NOT NULL, lane_tier INTEGER NOT NULL, lane_score REAL NOT NULL, lane_secondary REAL NOT NULL, state INTEGER NOT NULL,
                  worker_id TEXT, lease_token TEXT, leased_at INTEGER, lease_expires_at INTEGER, leased_hlc TEXT, outcome TEXT, finished_at INTEGER,
                  requeues INTEGER NOT NULL, PRIMARY KEY (workflow_id, task_id));
                INSERT INTO workers VALUES ('old-w', '["resize"]', 2, 0, 0, 0, 0, NULL, NULL);
                INSERT INTO external_tasks VALUES ('wf', 'a', 'wf', 1, 1, 'resize', NULL, 5, NULL, 0, 1, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0);
                """;
            create.ExecuteNonQuery();
        }

        await using var store = new SqliteWorkerLeaseStore(path);
        var worker = await store.GetWorkerAsync("old-w");
        Assert.Null(worker!.Tenant);
        var task = await store.GetTaskAsync("wf", "a");
        Assert.Null(task!.Tenant);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}

/// <summary>The contract on the in-memory provider.</summary>
public sealed class InMemoryWorkerLeaseStoreTests : WorkerLeaseStoreContractTests
{
    protected override IWorkerLeaseStore Create() => SqliteWorkerLeaseStore.InMemory();
}
