using System.Diagnostics;
using DurableTask.Core;
using DurableTask.Core.History;
using LocalRuntime.Sqlite.Storage;
using LocalRuntime.Sqlite.Tests.Contract;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace LocalRuntime.Sqlite.Tests;

/// <summary>What only our provider promises: fake-clock timers, lock expiry and recovery, exactly-once results, schema, no polling.</summary>
public sealed class SqliteProviderTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "sqlite-provider-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);

    private string DatabasePath => Path.Combine(_folder, "hub.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    [Fact]
    public async Task Timer_OneHourOnFakeClock_FiresOnlyWhenTheClockIsAdvanced()
    {
        using var service = NewService(fakeClock: true);
        await using var host = await Host.StartAsync(service);
        var instance = await host.Client.CreateOrchestrationInstanceAsync(typeof(TimerOrchestration), "timer-1h", 3600.0);
        await WaitUntilAsync(async () => (await service.GetHistoryEventsAsync(instance.InstanceId)).OfType<TimerCreatedEvent>().Any(), "the timer to be created");

        var early = await host.Client.WaitForOrchestrationAsync(instance, TimeSpan.FromSeconds(1));
        _clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromMinutes(1));
        var state = await host.Client.WaitForOrchestrationAsync(instance, Wait);

        Assert.Null(early);
        Assert.Equal(OrchestrationStatus.Completed, state.OrchestrationStatus);
    }

    [Fact]
    public async Task CompleteActivity_LockExpiredAndTwoConcurrentCompletions_CommitsOneResult()
    {
        using var service = NewService(fakeClock: true);
        await service.StartAsync();
        var instance = await ScheduleOneActivityAsync(service, "dup");

        var first = (await service.LockNextTaskActivityWorkItem(Wait, CancellationToken.None))!;
        _clock.Advance(service.Options.WorkItemLockTimeout + TimeSpan.FromSeconds(1));
        var second = (await service.LockNextTaskActivityWorkItem(Wait, CancellationToken.None))!;
        await Task.WhenAll(
            Task.Run(() => service.CompleteTaskActivityWorkItemAsync(first, Completed(instance, "first"))),
            Task.Run(() => service.CompleteTaskActivityWorkItemAsync(second, Completed(instance, "second"))));
        var next = (await service.LockNextOrchestrationWorkItemAsync(Wait, CancellationToken.None))!;

        Assert.Equal(first.Id, second.Id);
        Assert.Equal(2, second.DeliveryAttempt);
        Assert.Single(next.NewMessages, m => m.Event is TaskCompletedEvent);
        Assert.Equal(0L, Count("activities"));
        Assert.Equal(1L, Count("messages"));
    }

    [Fact]
    public async Task Start_AfterAbruptStopWithLockedWork_WorkIsAvailableAtOnce()
    {
        string activityId;
        using (var service = NewService(fakeClock: false))
        {
            await service.StartAsync();
            await ScheduleOneActivityAsync(service, "crash");
            var locked = (await service.LockNextTaskActivityWorkItem(Wait, CancellationToken.None))!;
            activityId = locked.Id;

            // Gone without completing, abandoning or releasing (as after kill -9: nothing of the lock is stored).
        }

        using var restarted = NewService(fakeClock: false);
        await restarted.StartAsync();
        var watch = Stopwatch.StartNew();
        var again = await restarted.LockNextTaskActivityWorkItem(TimeSpan.FromSeconds(5), CancellationToken.None);

        Assert.NotNull(again);
        Assert.Equal(activityId, again.Id);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task SessionFetch_TimerCheckpointedWhileAnotherMessageWaits_WakesWhenTheTimerIsDue()
    {
        // The order defect: a retry timer checkpointed while another message of the same instance was already waiting
        // got no wake-up of its own, so an idle extended session slept through it until its idle timeout.
        using var service = NewService(fakeClock: true, sessionIdle: TimeSpan.FromSeconds(20));
        await service.StartAsync();
        var instance = new OrchestrationInstance { InstanceId = "timer-behind-event", ExecutionId = "exec-1" };
        await service.CreateTaskOrchestrationAsync(new TaskMessage
        {
            OrchestrationInstance = instance,
            Event = new ExecutionStartedEvent(-1, "null") { Name = "Manual", Version = string.Empty, OrchestrationInstance = instance },
        });
        var workItem = (await service.LockNextOrchestrationWorkItemAsync(Wait, CancellationToken.None))!;
        Assert.NotNull(workItem.Session);

        // An event arrives while the first episode runs; the episode then checkpoints a timer due in 1 s.
        await service.SendTaskOrchestrationMessageAsync(new TaskMessage { OrchestrationInstance = instance, Event = new EventRaisedEvent(-1, "1") { Name = "e" } });
        var fireAt = _clock.GetUtcNow().UtcDateTime.AddSeconds(1);
        var state = workItem.OrchestrationRuntimeState;
        state.AddEvent(new OrchestratorStartedEvent(-1));
        state.AddEvent(workItem.NewMessages.Single().Event);
        state.AddEvent(new TimerCreatedEvent(0, fireAt));
        state.AddEvent(new OrchestratorCompletedEvent(-1));
        await service.CompleteTaskOrchestrationWorkItemAsync(
            workItem, state, [], [], [new TaskMessage { OrchestrationInstance = instance, Event = new TimerFiredEvent(-1, fireAt) { TimerId = 0 } }], null!, Running(instance));

        // The session takes the waiting event at once, checkpoints its episode, then waits with only the timer pending.
        var first = await workItem.Session.FetchNewOrchestrationMessagesAsync(workItem);
        Assert.IsType<EventRaisedEvent>(Assert.Single(first!).Event);
        var second = new OrchestrationRuntimeState(state.Events);
        second.AddEvent(new OrchestratorStartedEvent(-1));
        second.AddEvent(first![0].Event);
        second.AddEvent(new OrchestratorCompletedEvent(-1));
        workItem.OrchestrationRuntimeState = second;
        await service.CompleteTaskOrchestrationWorkItemAsync(workItem, second, [], [], [], null!, Running(instance));
        var fetch = workItem.Session.FetchNewOrchestrationMessagesAsync(workItem);
        _clock.Advance(TimeSpan.FromSeconds(2));
        var fired = await fetch;

        // Before the fix the fetch slept the whole idle timeout and came back empty (null): the timer fired only after the session ended.
        Assert.NotNull(fired);
        Assert.Equal(fireAt, Assert.IsType<TimerFiredEvent>(Assert.Single(fired).Event).FireAt);
    }

    [Fact]
    public async Task Open_NewFile_CreatesVersionedSchema()
    {
        using (var service = NewService(fakeClock: false))
        {
            await service.CreateIfNotExistsAsync();
        }

        using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        connection.Open();
        Assert.Equal(SqliteSchema.Version, (long)SqliteStore.Scalar(connection, "PRAGMA user_version")!);
        Assert.Equal(SqliteSchema.Version, (long)SqliteStore.Scalar(connection, "SELECT MAX(version) FROM schema_version")!);
        foreach (var table in new[] { "instances", "inputs", "history", "messages", "activities", "meta" })
        {
            Assert.Equal(1L, (long)SqliteStore.Scalar(connection, $"SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '{table}'")!);
        }
    }

    [Fact]
    public async Task Open_NewerSchemaVersion_Refused()
    {
        Directory.CreateDirectory(_folder);
        using (var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False"))
        {
            connection.Open();
            SqliteStore.Execute(connection, "CREATE TABLE x (a); PRAGMA user_version = 99");
        }

        using var service = NewService(fakeClock: false);
        var error = await Assert.ThrowsAsync<SqliteProviderException>(service.StartAsync);

        Assert.Contains("schema version 99", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_FileInUseByAnotherService_Refused()
    {
        using var first = NewService(fakeClock: false);
        await first.StartAsync();

        using var second = NewService(fakeClock: false);
        var error = await Assert.ThrowsAsync<SqliteProviderException>(second.StartAsync);

        Assert.Contains("another process", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Idle_WorkerRunningAfterWork_ProviderRunsNoQueries()
    {
        using var service = NewService(fakeClock: false, sessionIdle: TimeSpan.FromMilliseconds(200));
        await using var host = await Host.StartAsync(service);
        var instance = await host.Client.CreateOrchestrationInstanceAsync(typeof(HelloOrchestration), "idle", "x");
        await host.Client.WaitForOrchestrationAsync(instance, Wait);
        var transactions = service.TransactionsCommitted;
        var reads = service.ReadsStarted;

        // The measurement window: dispatchers keep fetching (they wait on signals, not on the file).
        await Task.Delay(TimeSpan.FromSeconds(3));

        Assert.Equal(transactions, service.TransactionsCommitted);
        Assert.Equal(reads, service.ReadsStarted);
    }

    [Fact]
    public void Serialize_EveryHistoryEventType_RoundTripsExactly()
    {
        var instance = new OrchestrationInstance { InstanceId = "i\u0000\ud800/#%2F", ExecutionId = "e1" };
        var failure = new FailureDetails("Outer", "outer message", "stack", new FailureDetails("Inner", "inner", null, null, isNonRetriable: true), isNonRetriable: false);
        var events = new HistoryEvent[]
        {
            new ExecutionStartedEvent(-1, "\"input\"")
            {
                Name = "Orch", Version = "2", OrchestrationInstance = instance, Tags = new Dictionary<string, string> { ["k"] = "v" },
                ParentInstance = new ParentInstance { Name = "P", Version = "1", TaskScheduleId = 7, OrchestrationInstance = new OrchestrationInstance { InstanceId = "p", ExecutionId = "pe" } },
                ScheduledStartTime = new DateTime(2030, 1, 2, 3, 4, 5, 6, DateTimeKind.Utc), Generation = 3,
            },
            new OrchestratorStartedEvent(-1),
            new TaskScheduledEvent(0) { Name = "A", Version = "v", Input = "[1]" },
            new TaskCompletedEvent(-1, 0, "\"r\""),
            new TaskFailedEvent(-1, 0, "reason", "details", failure),
            new TimerCreatedEvent(1) { FireAt = new DateTime(2031, 1, 1, 0, 0, 0, 123, DateTimeKind.Utc) },
            new TimerFiredEvent(-1) { TimerId = 1, FireAt = new DateTime(2031, 1, 1, 0, 0, 0, 123, DateTimeKind.Utc) },
            new SubOrchestrationInstanceCreatedEvent(2) { Name = "C", Version = "1", InstanceId = "c", Input = "1" },
            new SubOrchestrationInstanceCompletedEvent(-1, 2, "\"c\""),
            new SubOrchestrationInstanceFailedEvent(-1, 2, "r", "d", failure),
            new EventRaisedEvent(-1, "\"data\"") { Name = "go" },
            new EventSentEvent(3) { Name = "op", InstanceId = "@e@k", Input = "{}" },
            new ExecutionSuspendedEvent(-1, "pause"),
            new ExecutionResumedEvent(-1, "go on"),
            new ExecutionTerminatedEvent(-1, "stop"),
            new ContinueAsNewEvent(-1, "\"next\""),
            new ExecutionCompletedEvent(-1, "\"done\"", OrchestrationStatus.Failed, failure),
            new GenericEvent(-1, "generic"),
            new ExecutionRewoundEvent(-1, "rewind"),
            new OrchestratorCompletedEvent(-1),
        };

        foreach (var original in events)
        {
            var json = DataJson.Serialize(original);
            var back = DataJson.DeserializeEvent(json);

            Assert.Equal(original.GetType(), back.GetType());
            Assert.Equal(json, DataJson.Serialize(back));
        }
    }

    [Fact]
    public void Options_Invalid_ThrowNamingTheSetting()
    {
        Assert.Contains("DatabasePath", Assert.Throws<ArgumentException>(() => new SqliteOrchestrationServiceOptions { DatabasePath = ":memory:" }.Validate()).Message, StringComparison.Ordinal);
        Assert.Equal("MaxConcurrentActivityWorkItems", Assert.Throws<ArgumentOutOfRangeException>(() => new SqliteOrchestrationServiceOptions { MaxConcurrentActivityWorkItems = 0 }.Validate()).ParamName);
        Assert.Equal("WorkItemLockTimeout", Assert.Throws<ArgumentOutOfRangeException>(() => new SqliteOrchestrationServiceOptions { WorkItemLockTimeout = TimeSpan.Zero }.Validate()).ParamName);
    }

    private static OrchestrationState Running(OrchestrationInstance instance) => new()
    {
        OrchestrationInstance = instance,
        Name = "Manual",
        Version = string.Empty,
        OrchestrationStatus = OrchestrationStatus.Running,
        CreatedTime = DateTime.UtcNow,
        LastUpdatedTime = DateTime.UtcNow,
        CompletedTime = DateTime.MaxValue,
    };

    private static TaskMessage Completed(OrchestrationInstance instance, string result) =>
        new() { OrchestrationInstance = instance, Event = new TaskCompletedEvent(-1, 0, result) };

    /// <summary>Starts an instance and checkpoints its first episode by hand (no worker): one activity scheduled.</summary>
    private static async Task<OrchestrationInstance> ScheduleOneActivityAsync(SqliteOrchestrationService service, string id)
    {
        var instance = new OrchestrationInstance { InstanceId = id, ExecutionId = "exec-1" };
        await service.CreateTaskOrchestrationAsync(new TaskMessage
        {
            OrchestrationInstance = instance,
            Event = new ExecutionStartedEvent(-1, "null") { Name = "Manual", Version = string.Empty, OrchestrationInstance = instance },
        });
        var workItem = (await service.LockNextOrchestrationWorkItemAsync(Wait, CancellationToken.None))!;
        var state = workItem.OrchestrationRuntimeState;
        state.AddEvent(new OrchestratorStartedEvent(-1));
        state.AddEvent(workItem.NewMessages.Single().Event);
        var scheduled = new TaskScheduledEvent(0) { Name = "A", Version = string.Empty, Input = "[]" };
        state.AddEvent(scheduled);
        state.AddEvent(new OrchestratorCompletedEvent(-1));
        var orchestrationState = new OrchestrationState
        {
            OrchestrationInstance = instance,
            Name = "Manual",
            Version = string.Empty,
            OrchestrationStatus = OrchestrationStatus.Running,
            CreatedTime = DateTime.UtcNow,
            LastUpdatedTime = DateTime.UtcNow,
            CompletedTime = DateTime.MaxValue,
        };
        await service.CompleteTaskOrchestrationWorkItemAsync(
            workItem, state, [new TaskMessage { OrchestrationInstance = instance, Event = scheduled }], [], [], null!, orchestrationState);
        await service.ReleaseTaskOrchestrationWorkItemAsync(workItem);
        return instance;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(deadline.Elapsed < Wait, $"timed out waiting for {what}");
            await Task.Delay(20);
        }
    }

    private long Count(string table)
    {
        using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False;Mode=ReadOnly");
        connection.Open();
        return (long)SqliteStore.Scalar(connection, $"SELECT COUNT(*) FROM {table}")!;
    }

    private SqliteOrchestrationService NewService(bool fakeClock, TimeSpan? sessionIdle = null) => new(new SqliteOrchestrationServiceOptions
    {
        DatabasePath = DatabasePath,
        TimeProvider = fakeClock ? _clock : TimeProvider.System,
        ExtendedSessionIdleTimeout = sessionIdle ?? TimeSpan.FromSeconds(30),
    });

    /// <summary>A TaskHubWorker with the contract's orchestrations and a client, over one service.</summary>
    private sealed class Host : IAsyncDisposable
    {
        private readonly TaskHubWorker _worker;

        private Host(TaskHubWorker worker, TaskHubClient client)
        {
            _worker = worker;
            Client = client;
        }

        public TaskHubClient Client { get; }

        public static async Task<Host> StartAsync(SqliteOrchestrationService service)
        {
            var worker = new TaskHubWorker(service);
            worker.AddTaskOrchestrations(typeof(HelloOrchestration), typeof(TimerOrchestration));
            worker.AddTaskActivities(typeof(HelloActivity));
            await worker.StartAsync();
            return new Host(worker, new TaskHubClient(service));
        }

        public async ValueTask DisposeAsync()
        {
            await _worker.StopAsync(isForced: true);
            _worker.Dispose();
        }
    }
}
