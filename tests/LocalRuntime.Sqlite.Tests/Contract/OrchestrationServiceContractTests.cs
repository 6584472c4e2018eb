using System.Diagnostics;
using DurableTask.Core;
using DurableTask.Core.Entities;
using DurableTask.Core.Exceptions;
using DurableTask.Core.History;
using DurableTask.Core.Query;

namespace LocalRuntime.Sqlite.Tests.Contract;

/// <summary>
/// The provider contract, written once and bound to each backend by a one-line subclass. Both are driven through
/// DTFx's own <see cref="TaskHubWorker"/> and <see cref="TaskHubClient"/> with small in-process orchestrations:
/// this tests the providers, not the worker. Microsoft's AzureStorage provider is the reference: a test here
/// passes on it, and ours must behave the same.
/// </summary>
public abstract class OrchestrationServiceContractTests : IAsyncLifetime
{
    // A deadline for a stuck instance, not a speed bound: Azure Storage on Azurite under heavy machine load needs minutes.
    private static readonly TimeSpan Wait = TimeSpan.FromMinutes(3);
    private readonly ProviderBackend _backend;
    private readonly string _token = Guid.NewGuid().ToString("N")[..8];
    private IOrchestrationService? _service;
    private TaskHubWorker? _worker;

    protected OrchestrationServiceContractTests(ProviderBackend backend) => _backend = backend;

    private TaskHubClient Client { get; set; } = null!;

    private IOrchestrationService Service => _service!;

    public async Task InitializeAsync() => await StartAsync();

    public async Task DisposeAsync()
    {
        await StopAsync();
        await _backend.DisposeAsync();
    }

    [Fact]
    public async Task CreateAndWait_ActivityOrchestration_CompletesWithOutput()
    {
        var instance = await Client.CreateOrchestrationInstanceAsync(typeof(HelloOrchestration), Id("hello"), "world");

        var state = await Client.WaitForOrchestrationAsync(instance, Wait);

        Assert.Equal(OrchestrationStatus.Completed, state.OrchestrationStatus);
        Assert.Equal("\"Hello world\"", state.Output);
        Assert.Equal("\"world\"", state.Input);
        Assert.Equal(instance.ExecutionId, state.OrchestrationInstance.ExecutionId);
    }

    [Fact]
    public async Task ActivityFailure_Caught_OrchestrationSeesFailureDetails()
    {
        var instance = await Client.CreateOrchestrationInstanceAsync(typeof(CatchFailureOrchestration), Id("catch"), "x");

        var state = await Client.WaitForOrchestrationAsync(instance, Wait);

        Assert.Equal(OrchestrationStatus.Completed, state.OrchestrationStatus);
        Assert.Equal("\"System.InvalidOperationException|boom: x\"", state.Output);
    }

    [Fact]
    public async Task ActivityFailure_Unhandled_OrchestrationFailsWithDetails()
    {
        var instance = await Client.CreateOrchestrationInstanceAsync(typeof(CatchFailureOrchestration), Id("fail"), "rethrow");

        var state = await Client.WaitForOrchestrationAsync(instance, Wait);

        // Microsoft's provider leaves OrchestrationState.FailureDetails empty and puts the failure into the output;
        // ours also fills FailureDetails. Both carry the activity's message.
        Assert.Equal(OrchestrationStatus.Failed, state.OrchestrationStatus);
        Assert.Contains("boom: rethrow", state.FailureDetails?.ErrorMessage ?? state.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FanOutFanIn_200Activities_SumsAllResults()
    {
        var instance = await Client.CreateOrchestrationInstanceAsync(typeof(FanOutOrchestration), Id("fan"), 200);

        var state = await Client.WaitForOrchestrationAsync(instance, Wait);

        Assert.Equal(OrchestrationStatus.Completed, state.OrchestrationStatus);
        Assert.Equal((200L * 201 * 401 / 6).ToString(System.Globalization.CultureInfo.InvariantCulture), state.Output);
    }

    [Fact]
    public async Task SubOrchestration_Completes_ParentGetsChildOutputAndChildKnowsParent()
    {
        var instance = await Client.CreateOrchestrationInstanceAsync(typeof(ParentOrchestration), Id("parent"), "kid");

        var state = await Client.WaitForOrchestrationAsync(instance, Wait);
        var child = await Client.GetOrchestrationStateAsync(instance.InstanceId + ":child");

        Assert.Equal(OrchestrationStatus.Completed, state.OrchestrationStatus);
        Assert.Equal("\"parent of Hello kid\"", state.Output);
        Assert.NotNull(child);
        Assert.Equal(OrchestrationStatus.Completed, child.OrchestrationStatus);
        Assert.Equal(instance.InstanceId, child.ParentInstance?.OrchestrationInstance.InstanceId);
    }

    [Fact]
    public async Task Timer_TwoSeconds_FiresNotBeforeItsTime()
    {
        var before = DateTime.UtcNow;
        var instance = await Client.CreateOrchestrationInstanceAsync(typeof(TimerOrchestration), Id("timer"), 2.0);

        var state = await Client.WaitForOrchestrationAsync(instance, Wait);

        Assert.Equal(OrchestrationStatus.Completed, state.OrchestrationStatus);
        Assert.True(DateTime.UtcNow - before >= TimeSpan.FromSeconds(2), "the timer fired early");
        var history = await HistoryAsync(instance.InstanceId);
        Assert.Single(history, e => e.Type == EventType.TimerCreated);
        Assert.Single(history, e => e.Type == EventType.TimerFired);
    }

    [Fact]
    public async Task RaiseEvent_WhileBusyOnATimer_IsKeptAndDelivered()
    {
        var instance = await Client.CreateOrchestrationInstanceAsync(typeof(EventOrchestration), Id("event"), 2.0);

        await Client.RaiseEventAsync(instance, "go", "early");
        var state = await Client.WaitForOrchestrationAsync(instance, Wait);

        Assert.Equal(OrchestrationStatus.Completed, state.OrchestrationStatus);
        Assert.Equal("\"got early\"", state.Output);
    }

    [Fact]
    public async Task RaiseEvent_UnknownInstance_CreatesNothing()
    {
        var unknown = new OrchestrationInstance { InstanceId = Id("nobody") };

        await Client.RaiseEventAsync(unknown, "go", "x");

        Assert.Null(await Client.GetOrchestrationStateAsync(unknown.InstanceId));
    }

    [Fact]
    public async Task Terminate_Running_TerminatedWithReason()
    {
        var instance = await Client.CreateOrchestrationInstanceAsync(typeof(EventOrchestration), Id("term"), 0.0);
        await WaitForStatusAsync(instance.InstanceId, OrchestrationStatus.Running);

        await Client.TerminateInstanceAsync(instance, "enough");
        var state = await Client.WaitForOrchestrationAsync(instance, Wait);

        Assert.Equal(OrchestrationStatus.Terminated, state.OrchestrationStatus);
        Assert.Contains("enough", state.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SuspendResume_EventWhileSuspended_WaitsForResumeThenCompletes()
    {
        var instance = await Client.CreateOrchestrationInstanceAsync(typeof(EventOrchestration), Id("suspend"), 0.0);
        await WaitForStatusAsync(instance.InstanceId, OrchestrationStatus.Running);

        await Client.SuspendInstanceAsync(instance, "pause");
        await WaitForStatusAsync(instance.InstanceId, OrchestrationStatus.Suspended);
        await Client.RaiseEventAsync(instance, "go", "later");
        var whileSuspended = await Client.WaitForOrchestrationAsync(instance, TimeSpan.FromSeconds(3));
        await Client.ResumeInstanceAsync(instance, "go on");
        var state = await Client.WaitForOrchestrationAsync(instance, Wait);

        Assert.Null(whileSuspended);
        Assert.Equal(OrchestrationStatus.Completed, state.OrchestrationStatus);
        Assert.Equal("\"got later\"", state.Output);
    }

    [Fact]
    public async Task ContinueAsNew_ThreeTimes_LastExecutionCompletesAndKeepsOnlyItsHistory()
    {
        var instance = await Client.CreateOrchestrationInstanceAsync(typeof(CounterOrchestration), Id("can"), 0);

        var state = await WaitForTerminalAsync(instance.InstanceId);

        Assert.Equal(OrchestrationStatus.Completed, state.OrchestrationStatus);
        Assert.Equal("3", state.Output);
        Assert.Equal("3", state.Input);
        Assert.NotEqual(instance.ExecutionId, state.OrchestrationInstance.ExecutionId);
        var history = await HistoryAsync(instance.InstanceId);
        Assert.Equal("3", Assert.Single(history, e => e.Type == EventType.ExecutionStarted).Input);
    }

    [Fact]
    public async Task Create_DedupeStatusMatches_ThrowsAlreadyExists_ThenTerminalIdIsReused()
    {
        var id = Id("dedupe");
        var dedupe = new[] { OrchestrationStatus.Running, OrchestrationStatus.Pending };
        var first = await Client.CreateOrchestrationInstanceAsync(typeof(EventOrchestration).FullName!, string.Empty, id, 0.0, null, dedupe);
        await WaitForStatusAsync(id, OrchestrationStatus.Running);

        await Assert.ThrowsAsync<OrchestrationAlreadyExistsException>(
            () => Client.CreateOrchestrationInstanceAsync(typeof(EventOrchestration).FullName!, string.Empty, id, 0.0, null, dedupe));
        await Client.RaiseEventAsync(first, "go", "one");
        var firstState = await Client.WaitForOrchestrationAsync(first, Wait);
        var second = await Client.CreateOrchestrationInstanceAsync(typeof(HelloOrchestration).FullName!, string.Empty, id, "again", null, dedupe);
        var secondState = await WaitForTerminalAsync(id, second.ExecutionId);

        Assert.Equal("\"got one\"", firstState.Output);
        Assert.NotEqual(first.ExecutionId, second.ExecutionId);
        Assert.Equal(OrchestrationStatus.Completed, secondState.OrchestrationStatus);
        Assert.Equal("\"Hello again\"", secondState.Output);
    }

    [Fact]
    public async Task ScheduledStart_InTwoSeconds_PendingUntilThenCompletes()
    {
        var startAt = DateTime.UtcNow.AddSeconds(2);
        var instance = await Client.CreateScheduledOrchestrationInstanceAsync(typeof(TimerOrchestration), Id("scheduled"), 0.0, startAt);

        var pending = await Client.GetOrchestrationStateAsync(instance.InstanceId);
        var state = await Client.WaitForOrchestrationAsync(instance, Wait);

        Assert.Equal(OrchestrationStatus.Pending, pending?.OrchestrationStatus);
        Assert.Equal(OrchestrationStatus.Completed, state.OrchestrationStatus);
        var woke = Newtonsoft.Json.JsonConvert.DeserializeObject<DateTime>(state.Output);
        // Azure Storage queues count visibility in whole seconds: Microsoft's provider may start up to a second early.
        Assert.True(woke >= startAt.AddSeconds(-1.5), $"started at {woke:O}, scheduled for {startAt:O}");
    }

    [Fact]
    public async Task Query_ByPrefixWithPaging_ReturnsEveryInstanceOnceInPages()
    {
        var prefix = Id("q") + "-";
        var instances = new List<OrchestrationInstance>();
        for (var i = 0; i < 5; i++)
        {
            instances.Add(await Client.CreateOrchestrationInstanceAsync(typeof(HelloOrchestration), prefix + i, "q" + i));
        }

        foreach (var instance in instances)
        {
            await Client.WaitForOrchestrationAsync(instance, Wait);
        }

        var query = new OrchestrationQuery { InstanceIdPrefix = prefix, PageSize = 2, RuntimeStatus = [OrchestrationStatus.Completed] };
        var seen = new List<string>();
        var pages = 0;
        do
        {
            var page = await QueryClient.GetOrchestrationWithQueryAsync(query, CancellationToken.None);
            pages++;
            Assert.True(page.OrchestrationState.Count <= 2);
            seen.AddRange(page.OrchestrationState.Select(s => s.OrchestrationInstance.InstanceId));
            query.ContinuationToken = page.ContinuationToken;
        }
        while (query.ContinuationToken is not null && pages < 10);

        Assert.Equal(instances.Select(i => i.InstanceId).Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));
        var running = await QueryClient.GetOrchestrationWithQueryAsync(
            new OrchestrationQuery { InstanceIdPrefix = prefix, RuntimeStatus = [OrchestrationStatus.Running] }, CancellationToken.None);
        Assert.Empty(running.OrchestrationState);
        var withoutInputs = await QueryClient.GetOrchestrationWithQueryAsync(
            new OrchestrationQuery { InstanceIdPrefix = prefix, FetchInputsAndOutputs = false }, CancellationToken.None);
        Assert.Equal(5, withoutInputs.OrchestrationState.Count);
        Assert.All(withoutInputs.OrchestrationState, s => Assert.Null(s.Input));
    }

    [Fact]
    public async Task Purge_OneAndByFilter_DeletesStateAndHistory()
    {
        var prefix = Id("purge") + "-";
        var created = DateTime.UtcNow.AddSeconds(-1);
        var a = await Client.CreateOrchestrationInstanceAsync(typeof(HelloOrchestration), prefix + "a", "a");
        var b = await Client.CreateOrchestrationInstanceAsync(typeof(HelloOrchestration), prefix + "b", "b");
        await Client.WaitForOrchestrationAsync(a, Wait);
        await Client.WaitForOrchestrationAsync(b, Wait);

        var one = await PurgeClient.PurgeInstanceStateAsync(a.InstanceId);
        var byFilter = await PurgeClient.PurgeInstanceStateAsync(
            new PurgeInstanceFilter(created, DateTime.UtcNow.AddSeconds(1), [OrchestrationStatus.Completed]));

        Assert.Equal(1, one.DeletedInstanceCount);
        Assert.True(byFilter.DeletedInstanceCount >= 1);
        Assert.Null(await Client.GetOrchestrationStateAsync(a.InstanceId));
        Assert.Null(await Client.GetOrchestrationStateAsync(b.InstanceId));
    }

    [Fact]
    public async Task Entity_SignalsFromClient_StateIsTheSum()
    {
        var entityId = new EntityId(nameof(CounterEntity), Id("counter"));
        var target = new OrchestrationInstance { InstanceId = entityId.ToString() };
        foreach (var amount in new[] { "1", "2", "3" })
        {
            var signal = ClientEntityHelpers.EmitOperationSignal(target, Guid.NewGuid(), "add", amount, null);
            await ((IOrchestrationServiceClient)Service).SendTaskOrchestrationMessageAsync(signal.AsTaskMessage());
        }

        var queries = ((IEntityOrchestrationService)Service).EntityBackendQueries!;
        string? state = null;
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < Wait)
        {
            state = (await queries.GetEntityAsync(entityId, includeState: true))?.SerializedState;
            if (state == "6")
            {
                break;
            }

            await Task.Delay(100);
        }

        Assert.Equal("6", state);
    }

    [Fact]
    public async Task Restart_MidChain_CommittedStepsDoNotRunAgainAndEverythingCompletes()
    {
        var key = Id("restart");
        var gate = new TaskCompletionSource();
        Recorder.Gates[key + ":B"] = gate;
        var instance = await Client.CreateOrchestrationInstanceAsync(typeof(ChainOrchestration), key, key);
        await WaitUntilAsync(() => Recorder.Count(key + ":B") == 1, "step B started");

        // B is running, so A's result is committed. Stop without letting B finish (its first run ends as a crash would
        // end it: aborted, never completed, and no longer renewing its lock), then start over on the same storage.
        await StopAsync();
        gate.TrySetException(new SessionAbortedException("simulated crash"));
        await StartAsync();
        var state = await Client.WaitForOrchestrationAsync(instance, Wait + _backend.RedeliveryDelay);

        Assert.Equal(OrchestrationStatus.Completed, state?.OrchestrationStatus);
        Assert.Equal($"\"{key}:A done,{key}:B done,{key}:C done\"", state!.Output);
        Assert.Equal(1, Recorder.Count(key + ":A"));
        Assert.Equal(2, Recorder.Count(key + ":B"));
        Assert.Equal(1, Recorder.Count(key + ":C"));
    }

    protected string Id(string name) => $"{name}-{_token}";

    private IOrchestrationServiceQueryClient QueryClient => (IOrchestrationServiceQueryClient)Service;

    private IOrchestrationServicePurgeClient PurgeClient => (IOrchestrationServicePurgeClient)Service;

    private async Task StartAsync()
    {
        _service = _backend.CreateService();
        await _service.CreateIfNotExistsAsync();
        _worker = new TaskHubWorker(_service);
        _worker.ErrorPropagationMode = ErrorPropagationMode.UseFailureDetails;
        _worker.AddTaskOrchestrations(
            typeof(HelloOrchestration), typeof(CatchFailureOrchestration), typeof(FanOutOrchestration), typeof(ParentOrchestration),
            typeof(TimerOrchestration), typeof(EventOrchestration), typeof(CounterOrchestration), typeof(ChainOrchestration));
        _worker.AddTaskActivities(typeof(HelloActivity), typeof(FailingActivity), typeof(SquareActivity), typeof(RecordingActivity));
        _worker.AddTaskEntities(typeof(CounterEntity));
        await _worker.StartAsync();
        Client = new TaskHubClient((IOrchestrationServiceClient)_service);
    }

    private async Task StopAsync()
    {
        if (_worker is not null)
        {
            await _worker.StopAsync(isForced: true);
            _worker.Dispose();
            _worker = null;
        }

        if (_service is IDisposable disposable)
        {
            disposable.Dispose();
        }

        _service = null;
    }

    /// <summary>The event types and inputs of the current execution's history (the providers' JSON differs: typed or not, enums as names or numbers).</summary>
    private async Task<List<(EventType Type, string? Input)>> HistoryAsync(string instanceId)
    {
        var state = await Client.GetOrchestrationStateAsync(instanceId);
        var json = await Client.GetOrchestrationHistoryAsync(state!.OrchestrationInstance);
        var events = new List<(EventType, string?)>();
        foreach (var item in Newtonsoft.Json.Linq.JArray.Parse(json))
        {
            var type = item["EventType"]!;
            var eventType = type.Type == Newtonsoft.Json.Linq.JTokenType.Integer ? (EventType)(int)type : Enum.Parse<EventType>((string)type!);
            events.Add((eventType, (string?)item["Input"]));
        }

        return events;
    }

    private async Task WaitForStatusAsync(string instanceId, OrchestrationStatus status)
    {
        OrchestrationState? state = null;
        await WaitUntilAsync(
            async () => (state = await Client.GetOrchestrationStateAsync(instanceId))?.OrchestrationStatus == status,
            $"{instanceId} to be {status} (is {state?.OrchestrationStatus})");
    }

    private async Task<OrchestrationState> WaitForTerminalAsync(string instanceId, string? executionId = null)
    {
        OrchestrationState? state = null;
        await WaitUntilAsync(
            async () =>
            {
                state = await Client.GetOrchestrationStateAsync(instanceId);
                return state is not null && (executionId is null || state.OrchestrationInstance.ExecutionId == executionId)
                    && state.OrchestrationStatus is OrchestrationStatus.Completed or OrchestrationStatus.Failed or OrchestrationStatus.Terminated;
            },
            $"{instanceId} to finish");
        return state!;
    }

    private static Task WaitUntilAsync(Func<bool> condition, string what) => WaitUntilAsync(() => Task.FromResult(condition()), what);

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(deadline.Elapsed < Wait, $"timed out waiting for {what}");
            await Task.Delay(50);
        }
    }
}
