using LocalRuntime.Durable.Engine;
using LocalRuntime.Durable.Stores;
using static LocalRuntime.Sqlite.Tests.StoreData;
using Status = Microsoft.DurableTask.Client.OrchestrationRuntimeStatus;

namespace LocalRuntime.Sqlite.Tests;

/// <summary>
/// The <see cref="IDurableStore"/> contract, written once and run against every provider through a
/// one-line subclass that says how to make a fresh store for a test.
/// </summary>
public abstract class DurableStoreConformanceTests : IAsyncLifetime, IDisposable
{
    private readonly TestScratch _scratch = new();

    protected IDurableStore Store { get; private set; } = null!;

    protected StoreData Data { get; } = new();

    /// <summary>A fresh, empty store; <paramref name="scratch"/> is a temporary folder deleted after the test.</summary>
    protected abstract IDurableStore CreateStore(TestScratch scratch);

    public async Task InitializeAsync()
    {
        Store = CreateStore(_scratch);
        await Store.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await Store.DisposeAsync();
        _scratch.Dispose();
    }

    public void Dispose()
    {
        _scratch.Dispose();
        GC.SuppressFinalize(this);
    }

    // ---- Create / get ----

    [Fact]
    public async Task CreateInstance_New_StoresStateAndStartMessage()
    {
        var state = State("a");
        var start = Data.Start(state);

        var result = await Store.CreateInstanceAsync(state, start, DefaultBlocking);

        Assert.True(result.Created);
        Assert.Null(result.Existing);
        StoreAssert.StateEqual(state, await Store.GetInstanceAsync("a"));
        Assert.Empty(await Store.GetHistoryAsync("a"));
        var pending = await Store.LoadPendingWorkAsync();
        StoreAssert.MessageEqual(start, Assert.Single(pending.Messages));
        Assert.Empty(pending.Activities);
    }

    [Fact]
    public async Task CreateInstance_ExistingWithBlockingStatus_ReturnsItAndChangesNothing()
    {
        var first = State("a", Status.Running, executionId: "exec-1");
        var firstStart = Data.Start(first);
        await Store.CreateInstanceAsync(first, firstStart, DefaultBlocking);
        await Store.CommitCheckpointAsync(Checkpoint(first, events: [Started("a")]));

        var second = State("a", Status.Pending, T0.AddHours(1), executionId: "exec-2");
        var result = await Store.CreateInstanceAsync(second, Data.Start(second), DefaultBlocking);

        Assert.False(result.Created);
        StoreAssert.StateEqual(first, result.Existing);
        StoreAssert.StateEqual(first, await Store.GetInstanceAsync("a"));
        Assert.Single(await Store.GetHistoryAsync("a"));
        Assert.Equal([firstStart.Id], (await Store.LoadPendingWorkAsync()).Messages.Select(m => m.Id));
    }

    [Fact]
    public async Task CreateInstance_ExistingNotBlocking_ReplacesStateHistoryMessagesAndActivities()
    {
        var old = State("a", Status.Running);
        var oldStart = Data.Start(old);
        await Store.CreateInstanceAsync(old, oldStart, DefaultBlocking);
        var timer = Data.Event("a", "timer");
        await Store.CommitCheckpointAsync(Checkpoint(
            old with { Status = Status.Completed },
            events: [Started("a"), Scheduled(0)],
            consumed: [oldStart.Id],
            outbound: [timer],
            activities: [Data.Activity("a", 0)]));
        var other = State("b");
        var otherStart = Data.Start(other);
        await Store.CreateInstanceAsync(other, otherStart, DefaultBlocking);
        var otherActivity = Data.Activity("b", 0);
        await Store.CommitCheckpointAsync(Checkpoint(other, activities: [otherActivity]));

        var fresh = State("a", Status.Pending, T0.AddDays(1), executionId: "exec-2");
        var freshStart = Data.Start(fresh);
        var result = await Store.CreateInstanceAsync(fresh, freshStart, DefaultBlocking);

        Assert.True(result.Created);
        StoreAssert.StateEqual(fresh, await Store.GetInstanceAsync("a"));
        Assert.Empty(await Store.GetHistoryAsync("a"));
        var pending = await Store.LoadPendingWorkAsync();
        Assert.Equal([otherStart.Id, freshStart.Id], pending.Messages.Select(m => m.Id));
        Assert.Equal([otherActivity.Id], pending.Activities.Select(a => a.Id));
    }

    [Fact]
    public async Task CreateInstance_NoBlockingStatuses_ReplacesEvenARunningInstance()
    {
        var old = State("a", Status.Running);
        await Store.CreateInstanceAsync(old, Data.Start(old), DefaultBlocking);

        var fresh = State("a", executionId: "exec-2");
        var result = await Store.CreateInstanceAsync(fresh, Data.Start(fresh), []);

        Assert.True(result.Created);
        Assert.Equal("exec-2", (await Store.GetInstanceAsync("a"))!.ExecutionId);
        Assert.Single((await Store.LoadPendingWorkAsync()).Messages);
    }

    [Fact]
    public async Task GetInstanceAndHistory_Unknown_ReturnNullAndEmpty()
    {
        Assert.Null(await Store.GetInstanceAsync("nobody"));
        Assert.Empty(await Store.GetHistoryAsync("nobody"));
    }

    // ---- History ----

    [Fact]
    public async Task History_AppendsAcrossCheckpointsInOrder()
    {
        var state = State("a", Status.Running);
        await Store.CreateInstanceAsync(state, Data.Start(state), DefaultBlocking);
        var expected = new List<HistoryEvent> { Started("a") };
        await Store.CommitCheckpointAsync(Checkpoint(state, events: [expected[0]]));
        for (var batch = 0; batch < 5; batch++)
        {
            var events = Enumerable.Range(batch * 3, 3).Select(Scheduled).ToList();
            expected.AddRange(events);
            await Store.CommitCheckpointAsync(Checkpoint(state, events: events));
        }

        var history = await Store.GetHistoryAsync("a");

        Assert.Equal(expected.Count, history.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            StoreAssert.EventEqual(expected[i], history[i]);
        }
    }

    [Fact]
    public async Task History_ReplaceHistory_KeepsOnlyTheNewEvents()
    {
        var state = State("a", Status.Running);
        await Store.CreateInstanceAsync(state, Data.Start(state), DefaultBlocking);
        await Store.CommitCheckpointAsync(Checkpoint(state, events: [Started("a"), Scheduled(0), Scheduled(1)]));

        var next = state with { ExecutionId = "exec-2" };
        await Store.CommitCheckpointAsync(Checkpoint(next, events: [Started("a"), Scheduled(7)], replaceHistory: true));
        await Store.CommitCheckpointAsync(Checkpoint(next, events: [Scheduled(8)]));

        var history = await Store.GetHistoryAsync("a");
        Assert.Equal([-1, 7, 8], history.Select(e => e.TaskId));
        Assert.Equal("exec-2", (await Store.GetInstanceAsync("a"))!.ExecutionId);
    }

    // ---- Query ----

    [Fact]
    public async Task Query_OrdersByOrdinalInstanceId()
    {
        // Mixed case, accents, a private-use character and a supplementary one: ordinal (UTF-16) order
        // differs from culture order and from UTF-8 byte order.
        string[] ids = ["b", "B", "a", "A", "a0", "\u00e9t\u00e9", "\uE000x", "\U0001F600", "~", " ", "Z9", "z"];
        foreach (var id in ids)
        {
            await CreateAsync(State(id));
        }

        var page = await Store.QueryInstancesAsync(new InstanceFilter(PageSize: 100));

        Assert.Equal(ids.Order(StringComparer.Ordinal), page.Instances.Select(s => s.InstanceId));
        Assert.Null(page.ContinuationToken);
    }

    [Fact]
    public async Task Query_Pages_WithContinuationTokens_CoverEveryInstanceOnce()
    {
        var ids = Enumerable.Range(0, 25).Select(i => $"inst-{i:D3}").ToList();
        foreach (var id in ids.AsEnumerable().Reverse())
        {
            await CreateAsync(State(id));
        }

        var seen = new List<string>();
        var sizes = new List<int>();
        string? token = null;
        do
        {
            var page = await Store.QueryInstancesAsync(new InstanceFilter(PageSize: 10, ContinuationToken: token));
            sizes.Add(page.Instances.Count);
            seen.AddRange(page.Instances.Select(s => s.InstanceId));
            token = page.ContinuationToken;
            if (token is not null)
            {
                Assert.Equal(page.Instances[^1].InstanceId, token);
            }
        }
        while (token is not null);

        Assert.Equal([10, 10, 5], sizes);
        Assert.Equal(ids, seen);
    }

    [Fact]
    public async Task Query_ExactlyOnePageOfResults_HasNoContinuation()
    {
        for (var i = 0; i < 10; i++)
        {
            await CreateAsync(State($"i{i}"));
        }

        var page = await Store.QueryInstancesAsync(new InstanceFilter(PageSize: 10));

        Assert.Equal(10, page.Instances.Count);
        Assert.Null(page.ContinuationToken);
    }

    [Fact]
    public async Task Query_Filters_ByStatusCreatedRangeAndPrefix()
    {
        await CreateAsync(State("order-1", Status.Running, T0));
        await CreateAsync(State("order-2", Status.Completed, T0.AddMinutes(1)));
        await CreateAsync(State("order-3", Status.Failed, T0.AddMinutes(2)));
        await CreateAsync(State("order-4", Status.Completed, T0.AddMinutes(3)));
        await CreateAsync(State("orders", Status.Completed, T0.AddMinutes(1)));
        await CreateAsync(State("other-1", Status.Completed, T0.AddMinutes(1)));

        async Task<string[]> Ids(InstanceFilter f) => [.. (await Store.QueryInstancesAsync(f)).Instances.Select(s => s.InstanceId)];

        Assert.Equal(["order-2", "order-4", "orders", "other-1"], await Ids(new InstanceFilter(Statuses: [Status.Completed])));
        Assert.Equal(["order-2", "order-3", "order-4", "orders", "other-1"], await Ids(new InstanceFilter(Statuses: [Status.Completed, Status.Failed, Status.Completed])));
        Assert.Equal(6, (await Ids(new InstanceFilter(Statuses: []))).Length);
        Assert.Equal(["order-2", "order-3", "orders", "other-1"], await Ids(new InstanceFilter(CreatedFrom: T0.AddMinutes(1), CreatedTo: T0.AddMinutes(2))));
        Assert.Equal(["order-1", "order-2", "order-3", "order-4"], await Ids(new InstanceFilter(InstanceIdPrefix: "order-")));
        Assert.Equal(6, (await Ids(new InstanceFilter(InstanceIdPrefix: string.Empty))).Length);
        Assert.Empty(await Ids(new InstanceFilter(InstanceIdPrefix: "x")));
        Assert.Equal(
            ["order-2", "orders"],
            await Ids(new InstanceFilter(CreatedFrom: T0.AddMinutes(1), CreatedTo: T0.AddMinutes(2), Statuses: [Status.Completed], InstanceIdPrefix: "order")));
    }

    [Fact]
    public async Task Query_FiltersWithContinuation_PageThroughMatchesOnly()
    {
        for (var i = 0; i < 20; i++)
        {
            await CreateAsync(State($"job-{i:D2}", i % 2 == 0 ? Status.Completed : Status.Running));
            await CreateAsync(State($"zzz-{i:D2}", Status.Completed));
        }

        var filter = new InstanceFilter(Statuses: [Status.Completed], InstanceIdPrefix: "job-", PageSize: 3);
        var seen = new List<string>();
        string? token = null;
        do
        {
            var page = await Store.QueryInstancesAsync(filter with { ContinuationToken = token });
            seen.AddRange(page.Instances.Select(s => s.InstanceId));
            token = page.ContinuationToken;
        }
        while (token is not null);

        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"job-{2 * i:D2}"), seen);
    }

    [Fact]
    public async Task Query_PrefixOfHighCodeUnits_MatchesExactlyTheIdsStartingWithIt()
    {
        string[] ids = ["\uFFFE", "\uFFFEz", "\uFFFF", "\uFFFF\uFFFF", "\uFFFFa", "a\uFFFF", "\U0001F600a"];
        foreach (var id in ids)
        {
            await CreateAsync(State(id));
        }

        foreach (var prefix in new[] { "\uFFFF", "\uFFFE", "\uFFFF\uFFFF", "\uD83D", "a" })
        {
            var page = await Store.QueryInstancesAsync(new InstanceFilter(InstanceIdPrefix: prefix));
            Assert.Equal(
                ids.Where(id => id.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal),
                page.Instances.Select(s => s.InstanceId));
        }
    }

    // ---- Purge ----

    [Fact]
    public async Task Purge_RemovesStateHistoryMessagesAndActivities_OnlyOfThatInstance()
    {
        var a = State("a", Status.Running);
        var aStart = Data.Start(a);
        await Store.CreateInstanceAsync(a, aStart, DefaultBlocking);
        await Store.CommitCheckpointAsync(Checkpoint(a, events: [Started("a")], consumed: [aStart.Id], activities: [Data.Activity("a", 0)]));
        await Store.SendMessagesAsync([Data.Event("a")]);
        var b = State("b");
        var bStart = Data.Start(b);
        await Store.CreateInstanceAsync(b, bStart, DefaultBlocking);

        Assert.True(await Store.PurgeInstanceAsync("a"));

        Assert.Null(await Store.GetInstanceAsync("a"));
        Assert.Empty(await Store.GetHistoryAsync("a"));
        var pending = await Store.LoadPendingWorkAsync();
        Assert.Equal([bStart.Id], pending.Messages.Select(m => m.Id));
        Assert.Empty(pending.Activities);
        Assert.NotNull(await Store.GetInstanceAsync("b"));
        Assert.False(await Store.PurgeInstanceAsync("a"));
        Assert.False(await Store.PurgeInstanceAsync("never"));
    }

    // ---- Messages ----

    [Fact]
    public async Task SendAndDiscardMessages()
    {
        var state = State("a", Status.Running);
        var start = Data.Start(state);
        await Store.CreateInstanceAsync(state, start, DefaultBlocking);
        var e1 = Data.Event("a", "one");
        var e2 = Data.Event("a", "two");
        var e3 = Data.Event("ghost", "three");

        await Store.SendMessagesAsync([e1, e2, e3]);
        await Store.SendMessagesAsync([]);
        var pending = await Store.LoadPendingWorkAsync();
        Assert.Equal([start.Id, e1.Id, e2.Id, e3.Id], pending.Messages.Select(m => m.Id));
        StoreAssert.MessageEqual(e2, pending.Messages[2]);

        await Store.DiscardMessagesAsync([e1.Id, e3.Id, 987_654_321]);
        await Store.DiscardMessagesAsync([]);

        Assert.Equal([start.Id, e2.Id], (await Store.LoadPendingWorkAsync()).Messages.Select(m => m.Id));
    }

    // ---- Checkpoint ----

    [Fact]
    public async Task Checkpoint_CommitsEveryPartTogether()
    {
        var state = State("parent", Status.Pending);
        var start = Data.Start(state);
        await Store.CreateInstanceAsync(state, start, DefaultBlocking);
        var unrelated = Data.Event("parent", "later");
        await Store.SendMessagesAsync([unrelated]);

        var running = state with { Status = Status.Running, CustomStatus = "\"step 1\"", LastUpdatedAt = T0.AddSeconds(5) };
        var child = State("parent:child", Status.Pending) with { ParentInstanceId = "parent" };
        var childStart = Data.Start(child);
        var timer = new OrchestrationMessage
        {
            Id = Data.NextId(),
            InstanceId = "parent",
            ExecutionId = "exec-1",
            VisibleAt = T0.AddMinutes(5),
            Event = new HistoryEvent { Type = HistoryEventType.TimerFired, Timestamp = T0, TaskId = 2, FireAt = T0.AddMinutes(5) },
        };
        var activities = new[] { Data.Activity("parent", 0), Data.Activity("parent", 1, "Other", null) };
        HistoryEvent[] events = [Started("parent"), Scheduled(0), Scheduled(1)];

        await Store.CommitCheckpointAsync(Checkpoint(
            running, events: events, consumed: [start.Id], outbound: [childStart, timer], activities: activities, newInstances: [child]));

        StoreAssert.StateEqual(running, await Store.GetInstanceAsync("parent"));
        StoreAssert.StateEqual(child, await Store.GetInstanceAsync("parent:child"));
        Assert.Equal(events.Length, (await Store.GetHistoryAsync("parent")).Count);
        var pending = await Store.LoadPendingWorkAsync();
        Assert.Equal([unrelated.Id, childStart.Id, timer.Id], pending.Messages.Select(m => m.Id));
        StoreAssert.MessageEqual(timer, pending.Messages[2]);
        Assert.Equal(activities.Length, pending.Activities.Count);
        for (var i = 0; i < activities.Length; i++)
        {
            StoreAssert.ActivityEqual(activities[i], pending.Activities[i]);
        }
    }

    [Fact]
    public async Task GetInstance_WithoutInput_SameStateAndInputLeftOutOrUnchanged()
    {
        var state = State("no-input") with { Input = "\"big input\"", Output = "\"out\"", CustomStatus = "\"cs\"" };
        await Store.CreateInstanceAsync(state, Data.Start(state), DefaultBlocking);

        var without = await Store.GetInstanceAsync("no-input", includeInput: false);

        Assert.NotNull(without);
        Assert.True(without!.Input is null || without.Input == state.Input);
        StoreAssert.StateEqual(state with { Input = without.Input }, without);
        Assert.Null(await Store.GetInstanceAsync("unknown", includeInput: false));
    }

    [Fact]
    public async Task Checkpoint_WithinAnExecution_KeepsTheStoredInput_ContinueAsNewReplacesIt()
    {
        var state = State("keep-input", Status.Pending) with { Input = "\"original\"" };
        await Store.CreateInstanceAsync(state, Data.Start(state), DefaultBlocking);

        // Input never changes within an execution; a checkpoint does not rewrite it (it may be large).
        await Store.CommitCheckpointAsync(Checkpoint(state with { Status = Status.Running, Input = null }, events: [Started("keep-input")]));
        Assert.Equal("\"original\"", (await Store.GetInstanceAsync("keep-input"))!.Input);

        await Store.CommitCheckpointAsync(Checkpoint(state with { Status = Status.Running, Input = "\"next\"" }, events: [], replaceHistory: true));
        Assert.Equal("\"next\"", (await Store.GetInstanceAsync("keep-input"))!.Input);
    }

    [Fact]
    public async Task Checkpoint_NewInstance_KeepsARunningOneAndReplacesAFinishedOne()
    {
        var running = State("running-child", Status.Running, executionId: "old");
        await CreateAsync(running);
        await Store.CommitCheckpointAsync(Checkpoint(running, events: [Started("running-child")]));
        var finished = State("finished-child", Status.Completed, executionId: "old");
        await CreateAsync(finished);
        await Store.CommitCheckpointAsync(Checkpoint(finished, events: [Started("finished-child")]));
        var parent = State("parent", Status.Running);
        await CreateAsync(parent);

        await Store.CommitCheckpointAsync(Checkpoint(
            parent,
            newInstances:
            [
                State("running-child", executionId: "new"),
                State("finished-child", executionId: "new"),
                State("new-child", executionId: "new"),
            ]));

        StoreAssert.StateEqual(running, await Store.GetInstanceAsync("running-child"));
        Assert.Single(await Store.GetHistoryAsync("running-child"));
        Assert.Equal("new", (await Store.GetInstanceAsync("finished-child"))!.ExecutionId);
        Assert.Empty(await Store.GetHistoryAsync("finished-child"));
        Assert.Equal(Status.Pending, (await Store.GetInstanceAsync("new-child"))!.Status);
    }

    // ---- Activities ----

    [Fact]
    public async Task CompleteActivity_CommitsTheResultExactlyOnce()
    {
        var state = State("a", Status.Running);
        await CreateAsync(state);
        var activity = Data.Activity("a", 0);
        await Store.CommitCheckpointAsync(Checkpoint(state, activities: [activity]));
        var before = (await Store.LoadPendingWorkAsync()).Messages.Count;

        var result = Data.TaskCompleted("a", 0);
        Assert.True(await Store.CompleteActivityAsync(activity.Id, result));
        Assert.False(await Store.CompleteActivityAsync(activity.Id, Data.TaskCompleted("a", 0, "\"dup\"")));
        Assert.False(await Store.CompleteActivityAsync(123_456_789, Data.TaskCompleted("a", 5)));

        var pending = await Store.LoadPendingWorkAsync();
        Assert.Empty(pending.Activities);
        Assert.Equal(before + 1, pending.Messages.Count);
        StoreAssert.MessageEqual(result, pending.Messages[^1]);
    }

    [Fact]
    public async Task CompleteActivity_FiftyConcurrentDuplicates_ExactlyOneWins()
    {
        var state = State("a", Status.Running);
        await CreateAsync(state);
        var activity = Data.Activity("a", 0);
        await Store.CommitCheckpointAsync(Checkpoint(state, activities: [activity]));
        var results = Enumerable.Range(0, 50).Select(i => Data.TaskCompleted("a", 0, i.ToString())).ToList();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var racers = results.Select(r => Task.Run(async () =>
        {
            await gate.Task;
            return (Won: await Store.CompleteActivityAsync(activity.Id, r), r.Id);
        })).ToList();

        gate.SetResult();
        var outcomes = await Task.WhenAll(racers);

        var winners = outcomes.Where(o => o.Won).ToList();
        Assert.Single(winners);
        var resultMessages = (await Store.LoadPendingWorkAsync()).Messages.Where(m => m.Event.Type == HistoryEventType.TaskCompleted).ToList();
        Assert.Equal(winners[0].Id, Assert.Single(resultMessages).Id);
    }

    // ---- Pending work ----

    [Fact]
    public async Task LoadPendingWork_ReturnsExactlyTheUnconsumedWork_AndMaxIdCoversEveryId()
    {
        var a = State("a", Status.Running);
        var aStart = Data.Start(a);
        await Store.CreateInstanceAsync(a, aStart, DefaultBlocking);
        var done = Data.Activity("a", 0);
        var open = Data.Activity("a", 1);
        var consumedLater = Data.Event("a");
        await Store.CommitCheckpointAsync(Checkpoint(a, consumed: [aStart.Id], activities: [done, open], outbound: [consumedLater]));
        var result = Data.TaskCompleted("a", 0);
        await Store.CompleteActivityAsync(done.Id, result);
        var highest = Data.Event("a");
        await Store.SendMessagesAsync([highest]);
        await Store.CommitCheckpointAsync(Checkpoint(a, consumed: [result.Id, highest.Id]));

        var pending = await Store.LoadPendingWorkAsync();

        Assert.Equal([consumedLater.Id], pending.Messages.Select(m => m.Id));
        Assert.Equal([open.Id], pending.Activities.Select(x => x.Id));
        Assert.True(pending.MaxId >= highest.Id, $"MaxId {pending.MaxId} < {highest.Id}");
    }

    [Fact]
    public async Task LoadPendingWork_EmptyStore_IsEmpty()
    {
        var pending = await Store.LoadPendingWorkAsync();
        Assert.Empty(pending.Messages);
        Assert.Empty(pending.Activities);
        Assert.True(pending.MaxId >= 0);
    }

    // ---- Data round trip ----

    [Fact]
    public async Task RoundTrip_EveryHistoryEventField_InHistoryAndInMessages()
    {
        var state = State("a", Status.Running);
        await CreateAsync(state);
        var full = new HistoryEvent
        {
            Type = HistoryEventType.SubOrchestrationFailed,
            Timestamp = new DateTime(2024, 2, 29, 23, 59, 59, DateTimeKind.Utc).AddTicks(1_234_567),
            TaskId = 17,
            Name = "Child \u2603",
            Data = "{\"nested\":{\"q\":\"\\\"\",\"n\":[1,2.5,null]}}",
            Failure = DeepFailure(),
            InstanceId = "a:child",
            ExecutionId = "exec-\u00e9",
            FireAt = new DateTime(9999, 12, 31, 23, 59, 59, DateTimeKind.Utc).AddTicks(9_999_999),
            Status = Status.Terminated,
            Parent = new ParentInfo("ParentOrch", "p1", "pexec", 3),
            Tags = new Dictionary<string, string> { ["tenant"] = "t1", ["empty"] = string.Empty },
        };
        var minimal = new HistoryEvent { Type = HistoryEventType.ExecutionRewound };
        HistoryEvent[] events = [full, minimal, .. Enum.GetValues<HistoryEventType>().Select(t => new HistoryEvent { Type = t, Timestamp = T0, TaskId = (int)t })];

        await Store.CommitCheckpointAsync(Checkpoint(state, events: events));
        var messages = events.Select(e => new OrchestrationMessage { Id = Data.NextId(), InstanceId = "a", Event = e }).ToList();
        await Store.SendMessagesAsync(messages);

        var history = await Store.GetHistoryAsync("a");
        Assert.Equal(events.Length, history.Count);
        for (var i = 0; i < events.Length; i++)
        {
            StoreAssert.EventEqual(events[i], history[i]);
        }

        var pending = (await Store.LoadPendingWorkAsync()).Messages.Where(m => m.ExecutionId is null).ToList();
        Assert.Equal(messages.Count, pending.Count);
        for (var i = 0; i < messages.Count; i++)
        {
            StoreAssert.MessageEqual(messages[i], pending[i]);
        }
    }

    [Fact]
    public async Task RoundTrip_EveryInstanceStateField()
    {
        var state = new InstanceState
        {
            InstanceId = "full",
            Name = "Orch",
            ExecutionId = "e1",
            Status = Status.Failed,
            CreatedAt = new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddTicks(1),
            LastUpdatedAt = new DateTime(2030, 6, 15, 12, 0, 0, DateTimeKind.Utc).AddTicks(9_999_999),
            Input = "{\"a\":1}",
            Output = "[\"x\"]",
            CustomStatus = "\"almost\"",
            Failure = DeepFailure(),
            ParentInstanceId = "the-parent",
            Tags = new Dictionary<string, string> { ["k"] = "v", ["\u00fc"] = "\u2603" },
        };

        await CreateAsync(state);
        StoreAssert.StateEqual(state, await Store.GetInstanceAsync("full"));
        StoreAssert.StateEqual(state, Assert.Single((await Store.QueryInstancesAsync(new InstanceFilter())).Instances));

        var minimal = new InstanceState { InstanceId = "min", Name = "O", ExecutionId = "e" };
        await Store.CommitCheckpointAsync(Checkpoint(state, newInstances: [minimal]));
        StoreAssert.StateEqual(minimal, await Store.GetInstanceAsync("min"));
    }

    [Fact]
    public async Task RoundTrip_FailureProperties_OfPrimitiveValues()
    {
        var failure = new Microsoft.DurableTask.TaskFailureDetails("T", "m", null, null)
        {
            Properties = new Dictionary<string, object?> { ["code"] = 503L, ["retryable"] = true, ["host"] = "gw", ["none"] = null },
        };
        var state = State("a", Status.Failed) with { Failure = failure };

        await CreateAsync(state);

        StoreAssert.FailureEqual(failure, (await Store.GetInstanceAsync("a"))!.Failure);
    }

    [Fact]
    public async Task RoundTrip_HostileInstanceIds()
    {
        string[] ids = ["../etc/passwd", "a%2Fb", "a/b", "#frag?q=1", "nul\0in\0side", "\u00e9\u0301", "\uD800lone", "tail\uDFFF", new string('x', 4096), "'; DROP TABLE instances; --", "\U0001F600", "nul", string.Empty];
        foreach (var id in ids)
        {
            var state = State(id, Status.Running);
            await CreateAsync(state);
            await Store.CommitCheckpointAsync(Checkpoint(state, events: [Started(id)], activities: [Data.Activity(id, 0)]));
        }

        foreach (var id in ids)
        {
            Assert.Equal(id, (await Store.GetInstanceAsync(id))!.InstanceId);
            Assert.Single(await Store.GetHistoryAsync(id));
        }

        Assert.Equal(ids.Order(StringComparer.Ordinal), (await Store.QueryInstancesAsync(new InstanceFilter())).Instances.Select(s => s.InstanceId));
        var pending = await Store.LoadPendingWorkAsync();
        Assert.Equal(ids.Order(StringComparer.Ordinal), pending.Messages.Select(m => m.InstanceId).Order(StringComparer.Ordinal));
        Assert.Equal(ids.Order(StringComparer.Ordinal), pending.Activities.Select(a => a.InstanceId).Order(StringComparer.Ordinal));
        Assert.True(await Store.PurgeInstanceAsync("nul\0in\0side"));
        Assert.Null(await Store.GetInstanceAsync("nul\0in\0side"));
        Assert.NotNull(await Store.GetInstanceAsync("nul"));
    }

    private async Task CreateAsync(InstanceState state)
    {
        var result = await Store.CreateInstanceAsync(state, Data.Start(state), DefaultBlocking);
        Assert.True(result.Created);
    }
}

/// <summary>The suite on the in-memory provider.</summary>
public sealed class InMemoryStoreConformanceTests : DurableStoreConformanceTests
{
    protected override IDurableStore CreateStore(TestScratch scratch) => new InMemoryDurableStore();
}

/// <summary>The suite on the SQLite provider, one temporary database file per test.</summary>
public sealed class SqliteStoreConformanceTests : DurableStoreConformanceTests
{
    protected override IDurableStore CreateStore(TestScratch scratch) => new SqliteDurableStore(scratch.File("store.db"));
}
