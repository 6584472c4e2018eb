using DurableTask.Core.Exceptions;
using Grpc.Core;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace LocalRuntime.Durable.Tests.Client;

/// <summary>
/// Every call the worker's [DurableClient] makes, through Microsoft's own GrpcDurableTaskClient against our sidecar,
/// on a real backend. Written once; each backend binds it with a one-line subclass.
/// </summary>
public abstract class SidecarContractTests<THost>(THost host) : IClassFixture<THost>
    where THost : DurableTestHost
{
    protected THost Host { get; } = host;

    private DurableTaskClient Client => Host.Client;

    private static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    private async Task<string> StartAsync(string orchestrator, object? input = null, string? id = null)
    {
        id ??= NewId(orchestrator);
        return await Client.ScheduleNewOrchestrationInstanceAsync(orchestrator, input, new StartOrchestrationOptions(id));
    }

    private async Task<OrchestrationMetadata> CompletedAsync(string id)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, timeout.Token);
    }

    private Task<OrchestrationMetadata?> StatusAsync(string id, OrchestrationRuntimeStatus status) =>
        Eventually.ValueAsync(() => Client.GetInstanceAsync(id), m => m?.RuntimeStatus == status, $"{id} did not become {status}");

    [Fact]
    public async Task StartInstance_JsonInput_RunsWithInputNotSerializedTwice()
    {
        var id = await StartAsync(nameof(EchoOrchestration), "x");

        var done = await CompletedAsync(id);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Equal(nameof(EchoOrchestration), done.Name);
        Assert.Equal("\"x\"", done.SerializedInput);
        Assert.Equal("\"echo:x\"", done.SerializedOutput);
        Assert.Equal("echo:x", done.ReadOutputAs<string>());
        using var status = System.Text.Json.JsonDocument.Parse(done.SerializedCustomStatus!);
        Assert.Equal("echo", status.RootElement.GetProperty("step").GetString());
    }

    [Fact]
    public async Task StartInstance_NoInstanceId_ReturnsNewIdThatRuns()
    {
        var id = await Client.ScheduleNewOrchestrationInstanceAsync(nameof(EchoOrchestration), "n");

        Assert.Equal(32, id.Length);
        Assert.Equal("echo:n", (await CompletedAsync(id)).ReadOutputAs<string>());
    }

    [Fact]
    public async Task StartInstance_TagsAndVersion_AreStoredOnTheInstance()
    {
        var id = NewId("tags");
        await Client.ScheduleNewOrchestrationInstanceAsync(
            nameof(EchoOrchestration),
            "t",
            new StartOrchestrationOptions(id) { Tags = new Dictionary<string, string> { ["team"] = "blue" } });

        var done = await CompletedAsync(id);

        Assert.Equal("blue", Assert.Contains("team", done.Tags));
    }

    [Fact]
    public async Task StartInstance_ScheduledStartTime_StaysPendingUntilThen()
    {
        var id = NewId("later");
        var at = DateTimeOffset.UtcNow.AddSeconds(3);
        await Client.ScheduleNewOrchestrationInstanceAsync(nameof(EchoOrchestration), "s", new StartOrchestrationOptions(id, at));

        var first = await Client.GetInstanceAsync(id);
        var done = await CompletedAsync(id);

        Assert.Equal(OrchestrationRuntimeStatus.Pending, first!.RuntimeStatus);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        // Azure Storage delays the start message in whole seconds of queue visibility, so allow up to 1.5 s early.
        Assert.True(done.LastUpdatedAt >= at.AddMilliseconds(-1500), $"completed at {done.LastUpdatedAt:O}, scheduled for {at:O}");
    }

    [Fact]
    public async Task StartInstance_DedupeRunning_ThrowsAlreadyExists_WithoutPolicyReplaces()
    {
        var id = await StartAsync(nameof(WaitForEventOrchestration));
        await StatusAsync(id, OrchestrationRuntimeStatus.Running);

        var refused = await Assert.ThrowsAsync<OrchestrationAlreadyExistsException>(() => Client.ScheduleNewOrchestrationInstanceAsync(
            nameof(WaitForEventOrchestration), null, new StartOrchestrationOptions(id).WithDedupeStatuses(OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Pending)));
        Assert.Contains(id, refused.Message, StringComparison.Ordinal);

        // Durable's default (AnyState, no reuse policy from the client): the running instance is replaced.
        await Client.ScheduleNewOrchestrationInstanceAsync(nameof(EchoOrchestration), "again", new StartOrchestrationOptions(id));
        var done = await CompletedAsync(id);
        Assert.Equal(nameof(EchoOrchestration), done.Name);
        Assert.Equal("echo:again", done.ReadOutputAs<string>());
    }

    [Fact]
    public async Task StartInstance_DedupeCompleted_RefusesFinishedButNotWhenOnlyRunningIsDeduped()
    {
        var id = await StartAsync(nameof(EchoOrchestration), "one");
        await CompletedAsync(id);

        await Assert.ThrowsAsync<OrchestrationAlreadyExistsException>(() => Client.ScheduleNewOrchestrationInstanceAsync(
            nameof(EchoOrchestration), "two", new StartOrchestrationOptions(id).WithDedupeStatuses(OrchestrationRuntimeStatus.Completed)));
        await Client.ScheduleNewOrchestrationInstanceAsync(
            nameof(EchoOrchestration), "three", new StartOrchestrationOptions(id).WithDedupeStatuses(OrchestrationRuntimeStatus.Running));

        Assert.Equal("echo:three", (await Eventually.ValueAsync(() => Client.GetInstanceAsync(id, getInputsAndOutputs: true), m => m?.SerializedOutput == "\"echo:three\"", "restart under the same id"))!.ReadOutputAs<string>());
    }

    [Fact]
    public async Task StartInstance_ReservedTag_ThrowsArgumentException()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => Client.ScheduleNewOrchestrationInstanceAsync(
            nameof(EchoOrchestration), "x", new StartOrchestrationOptions(NewId("tag")) { Tags = new Dictionary<string, string> { ["MS_DurableFunctions_SourceInstanceId"] = "a" } }));

        Assert.Contains("reserved", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetInstance_WithoutInputs_OmitsInputOutputAndCustomStatus()
    {
        var id = await StartAsync(nameof(EchoOrchestration), "g");
        await CompletedAsync(id);

        var plain = await Client.GetInstanceAsync(id, getInputsAndOutputs: false);
        var full = await Client.GetInstanceAsync(id, getInputsAndOutputs: true);

        Assert.Null(plain!.SerializedInput);
        Assert.Null(plain.SerializedOutput);
        Assert.Null(plain.SerializedCustomStatus);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, plain.RuntimeStatus);
        Assert.Equal("\"g\"", full!.SerializedInput);
        Assert.True(full.CreatedAt <= full.LastUpdatedAt);
        Assert.Equal(TimeSpan.Zero, full.CreatedAt.Offset);
    }

    [Fact]
    public async Task GetInstance_Unknown_ReturnsNull()
    {
        Assert.Null(await Client.GetInstanceAsync(NewId("none")));
    }

    [Fact]
    public async Task GetInstance_Failed_HasFailureState()
    {
        var id = await StartAsync(nameof(FailingOrchestration), "f");

        var done = await CompletedAsync(id);

        Assert.Equal(OrchestrationRuntimeStatus.Failed, done.RuntimeStatus);
        Assert.Contains("boom", done.FailureDetails?.ErrorMessage ?? done.SerializedOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WaitForInstanceStart_ReturnsOnceRunning()
    {
        var id = await StartAsync(nameof(WaitForEventOrchestration));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        var started = await Client.WaitForInstanceStartAsync(id, getInputsAndOutputs: false, timeout.Token);

        Assert.Equal(OrchestrationRuntimeStatus.Running, started.RuntimeStatus);
    }

    [Fact]
    public async Task WaitForInstanceCompletion_Cancelled_ThrowsOperationCanceled()
    {
        var id = await StartAsync(nameof(WaitForEventOrchestration));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Client.WaitForInstanceCompletionAsync(id, cancellation: cancel.Token));
    }

    [Fact]
    public async Task RaiseEvent_Running_DeliversPayload()
    {
        var id = await StartAsync(nameof(WaitForEventOrchestration));
        await StatusAsync(id, OrchestrationRuntimeStatus.Running);

        await Client.RaiseEventAsync(id, "approve", "yes");

        Assert.Equal("yes", (await CompletedAsync(id)).ReadOutputAs<string>());
    }

    [Fact]
    public async Task RaiseEvent_UnknownOrFinished_FailsNotFoundOrFailedPrecondition()
    {
        var finished = await StartAsync(nameof(EchoOrchestration), "done");
        await CompletedAsync(finished);

        var unknown = await Assert.ThrowsAsync<RpcException>(() => Client.RaiseEventAsync(NewId("none"), "approve", 1));
        var gone = await Assert.ThrowsAsync<RpcException>(() => Client.RaiseEventAsync(finished, "approve", 1));

        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(StatusCode.FailedPrecondition, gone.StatusCode);
    }

    [Fact]
    public async Task TerminateInstance_Running_TerminatesWithOutput_AgainFailsPrecondition()
    {
        var id = await StartAsync(nameof(WaitForEventOrchestration));
        await StatusAsync(id, OrchestrationRuntimeStatus.Running);

        await Client.TerminateInstanceAsync(id, new TerminateInstanceOptions("stopped"));
        var done = await CompletedAsync(id);
        var again = await Assert.ThrowsAsync<RpcException>(() => Client.TerminateInstanceAsync(id, "again"));
        var unknown = await Assert.ThrowsAsync<RpcException>(() => Client.TerminateInstanceAsync(NewId("none"), "x"));

        Assert.Equal(OrchestrationRuntimeStatus.Terminated, done.RuntimeStatus);
        Assert.Equal("stopped", done.ReadOutputAs<string>());
        Assert.Equal(StatusCode.FailedPrecondition, again.StatusCode);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task TerminateInstance_Recursive_TerminatesRunningChild()
    {
        var id = await StartAsync(nameof(ParentOrchestration), "p");
        var child = id + ":child";
        await StatusAsync(child, OrchestrationRuntimeStatus.Running);

        await Client.TerminateInstanceAsync(id, new TerminateInstanceOptions("all", Recursive: true));

        Assert.Equal(OrchestrationRuntimeStatus.Terminated, (await CompletedAsync(id)).RuntimeStatus);
        Assert.Equal(OrchestrationRuntimeStatus.Terminated, (await CompletedAsync(child)).RuntimeStatus);
    }

    [Fact]
    public async Task SuspendResume_Running_SuspendsThenResumesAndCompletes()
    {
        var id = await StartAsync(nameof(WaitForEventOrchestration));
        await StatusAsync(id, OrchestrationRuntimeStatus.Running);

        await Client.SuspendInstanceAsync(id, "pause");
        await StatusAsync(id, OrchestrationRuntimeStatus.Suspended);
        var twice = await Assert.ThrowsAsync<RpcException>(() => Client.SuspendInstanceAsync(id, "again"));
        await Client.ResumeInstanceAsync(id, "go");
        await StatusAsync(id, OrchestrationRuntimeStatus.Running);
        var resumeRunning = await Assert.ThrowsAsync<RpcException>(() => Client.ResumeInstanceAsync(id, "again"));
        await Client.RaiseEventAsync(id, "approve", "after");

        Assert.Equal(StatusCode.FailedPrecondition, twice.StatusCode);
        Assert.Equal(StatusCode.FailedPrecondition, resumeRunning.StatusCode);
        Assert.Equal("after", (await CompletedAsync(id)).ReadOutputAs<string>());
    }

    [Fact]
    public async Task QueryInstances_PrefixStatusAndPaging_ReturnsEachOnceAcrossPages()
    {
        var prefix = NewId("q") + "-";
        var completed = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            completed.Add(await StartAsync(nameof(EchoOrchestration), $"in{i}", prefix + "c" + i));
        }

        var running = await StartAsync(nameof(WaitForEventOrchestration), null, prefix + "r");
        foreach (var id in completed)
        {
            await CompletedAsync(id);
        }

        await StatusAsync(running, OrchestrationRuntimeStatus.Running);

        var pages = 0;
        var seen = new List<OrchestrationMetadata>();
        await foreach (var page in Client.GetAllInstancesAsync(new OrchestrationQuery { InstanceIdPrefix = prefix, Statuses = [OrchestrationRuntimeStatus.Completed], PageSize = 2, FetchInputsAndOutputs = true }).AsPages())
        {
            pages++;
            Assert.True(page.Values.Count <= 2);
            seen.AddRange(page.Values);
        }

        var all = new List<OrchestrationMetadata>();
        await foreach (var item in Client.GetAllInstancesAsync(new OrchestrationQuery { InstanceIdPrefix = prefix }))
        {
            all.Add(item);
        }

        Assert.Equal(completed.Order(StringComparer.Ordinal), seen.Select(m => m.InstanceId).Order(StringComparer.Ordinal));
        Assert.All(seen, m => Assert.StartsWith("\"in", m.SerializedInput, StringComparison.Ordinal));
        Assert.True(pages >= 3, $"expected at least 3 pages of 2, got {pages}");
        Assert.Equal(6, all.Count);
        Assert.Equal(OrchestrationRuntimeStatus.Running, all.Single(m => m.InstanceId == running).RuntimeStatus);
    }

    [Fact]
    public async Task PurgeInstance_FinishedRunningUnknown_PurgesOnlyFinished()
    {
        var id = await StartAsync(nameof(EchoOrchestration), "p");
        await CompletedAsync(id);
        var running = await StartAsync(nameof(WaitForEventOrchestration));
        await StatusAsync(running, OrchestrationRuntimeStatus.Running);

        var purged = await Client.PurgeInstanceAsync(id);
        var again = await Client.PurgeInstanceAsync(id);
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => Client.PurgeInstanceAsync(running));

        Assert.Equal(1, purged.PurgedInstanceCount);
        Assert.Equal(0, again.PurgedInstanceCount);
        Assert.Null(await Client.GetInstanceAsync(id));
        Assert.Contains("terminal state", refused.Message, StringComparison.Ordinal);
        Assert.NotNull(await Client.GetInstanceAsync(running));
    }

    [Fact]
    public async Task PurgeInstance_Recursive_PurgesChildToo()
    {
        var id = await StartAsync(nameof(ParentOrchestration), "p");
        var child = id + ":child";
        await StatusAsync(child, OrchestrationRuntimeStatus.Running);
        await Client.RaiseEventAsync(child, "approve", "ok");
        await CompletedAsync(id);

        var purged = await Client.PurgeInstanceAsync(id, new PurgeInstanceOptions(Recursive: true));

        Assert.Equal(2, purged.PurgedInstanceCount);
        Assert.Null(await Client.GetInstanceAsync(child));
    }

    [Fact]
    public async Task PurgeAllInstances_ByCreatedTimeAndStatus_PurgesOnlyMatching()
    {
        var from = DateTimeOffset.UtcNow;
        var done1 = await StartAsync(nameof(EchoOrchestration), "a");
        var done2 = await StartAsync(nameof(EchoOrchestration), "b");
        var running = await StartAsync(nameof(WaitForEventOrchestration));
        await CompletedAsync(done1);
        await CompletedAsync(done2);
        await StatusAsync(running, OrchestrationRuntimeStatus.Running);

        var result = await Client.PurgeAllInstancesAsync(new PurgeInstancesFilter(from, DateTimeOffset.UtcNow.AddSeconds(1), [OrchestrationRuntimeStatus.Completed]));

        Assert.Equal(2, result.PurgedInstanceCount);
        Assert.Null(await Client.GetInstanceAsync(done1));
        Assert.Null(await Client.GetInstanceAsync(done2));
        Assert.NotNull(await Client.GetInstanceAsync(running));
    }

    [Fact]
    public async Task RestartInstance_SameAndNewId_RunAgainWithSameInput()
    {
        var id = await StartAsync(nameof(EchoOrchestration), "r");
        var first = await CompletedAsync(id);

        var sameId = await Client.RestartAsync(id);
        var newId = await Client.RestartAsync(id, restartWithNewInstanceId: true);
        var unknown = await Assert.ThrowsAsync<ArgumentException>(() => Client.RestartAsync(NewId("none")));

        Assert.Equal(id, sameId);
        Assert.NotEqual(id, newId);
        var again = await Eventually.ValueAsync(() => Client.GetInstanceAsync(id, getInputsAndOutputs: true), m => m is { RuntimeStatus: OrchestrationRuntimeStatus.Completed } && m.CreatedAt > first.CreatedAt, "same-id restart completed");
        var copy = await CompletedAsync(newId);
        Assert.Equal("echo:r", again!.ReadOutputAs<string>());
        Assert.Equal("echo:r", copy.ReadOutputAs<string>());
        Assert.Equal(id, Assert.Contains("MS_DurableFunctions_SourceInstanceId", copy.Tags));
        Assert.Contains("not found", unknown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RewindInstance_NotFailed_ThrowsInvalidOperation_Unknown_ThrowsArgument()
    {
        var id = await StartAsync(nameof(EchoOrchestration), "w");
        await CompletedAsync(id);

        var notFailed = await Assert.ThrowsAsync<InvalidOperationException>(() => Client.RewindInstanceAsync(id, "why"));
        await Assert.ThrowsAsync<ArgumentException>(() => Client.RewindInstanceAsync(NewId("none"), "why"));

        Assert.Contains("failed orchestration", notFailed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RewindInstance_Failed_IsAcceptedWhereTheBackendCanRewind()
    {
        var id = await StartAsync(nameof(FailingOrchestration), "w");
        await CompletedAsync(id);

        if (Host.SupportsRewind)
        {
            await Client.RewindInstanceAsync(id, "retry");
        }
        else
        {
            var error = await Assert.ThrowsAsync<NotImplementedException>(() => Client.RewindInstanceAsync(id, "retry"));
            Assert.Contains("Rewind", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task GetOrchestrationHistory_Completed_StreamsTypedEventsInOrder()
    {
        var id = await StartAsync(nameof(EchoOrchestration), "h");
        await CompletedAsync(id);

        var history = await Client.GetOrchestrationHistoryAsync(id);
        var unknown = await Assert.ThrowsAsync<ArgumentException>(() => Client.GetOrchestrationHistoryAsync(NewId("none")));

        Assert.IsType<global::DurableTask.Core.History.OrchestratorStartedEvent>(history[0]);
        var started = Assert.IsType<global::DurableTask.Core.History.ExecutionStartedEvent>(history[1]);
        Assert.Equal(nameof(EchoOrchestration), started.Name);
        Assert.Equal("\"h\"", started.Input);
        var scheduled = Assert.Single(history.OfType<global::DurableTask.Core.History.TaskScheduledEvent>());
        Assert.Equal(typeof(EchoActivity).FullName, scheduled.Name);
        var completed = Assert.Single(history.OfType<global::DurableTask.Core.History.TaskCompletedEvent>());
        Assert.Equal("\"echo:h\"", completed.Result);
        Assert.Equal(scheduled.EventId, completed.TaskScheduledId);
        var end = Assert.IsType<global::DurableTask.Core.History.ExecutionCompletedEvent>(history.Last(e => e is global::DurableTask.Core.History.ExecutionCompletedEvent));
        Assert.Equal(global::DurableTask.Core.OrchestrationStatus.Completed, end.OrchestrationStatus);
        Assert.NotNull(unknown);
    }

    [Fact]
    public async Task Entities_SignalGetQuery_ThroughGrpcEntityClient()
    {
        var id = new Microsoft.DurableTask.Entities.EntityInstanceId("counter", Guid.NewGuid().ToString("N"));

        Assert.Null(await Client.Entities.GetEntityAsync(id));
        await Client.Entities.SignalEntityAsync(id, "add", 4);
        await Client.Entities.SignalEntityAsync(id, "add", 3);
        var entity = await Eventually.ValueAsync(
            () => Client.Entities.GetEntityAsync(id, includeState: true),
            e => e is not null && e.State.ReadAs<int>() == 7,
            "counter reached 7");
        var found = new List<Microsoft.DurableTask.Client.Entities.EntityMetadata>();
        await foreach (var e in Client.Entities.GetAllEntitiesAsync(new Microsoft.DurableTask.Client.Entities.EntityQuery { InstanceIdStartsWith = "@counter@", IncludeState = true }))
        {
            found.Add(e);
        }

        Assert.Equal(id, entity!.Id);
        Assert.Contains(found, e => e.Id == id && e.State.ReadAs<int>() == 7);
    }

    [Fact]
    public async Task AnyCall_OtherTaskHubHeader_IsRefusedWithInvalidArgument()
    {
        await using var other = Host.CreateGrpcClient("some-other-hub");

        var error = await Assert.ThrowsAsync<RpcException>(() => other.GetInstanceAsync("x"));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("some-other-hub", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains(Host.TaskHub, error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnyCall_SameTaskHubOtherCase_IsServed()
    {
        await using var upper = Host.CreateGrpcClient(Host.TaskHub.ToUpperInvariant());

        Assert.Null(await upper.GetInstanceAsync(NewId("none")));
    }
}

/// <summary>The contract on Microsoft's Azure Storage provider (Azurite): the reference.</summary>
public sealed class AzureStorageSidecarTests(AzureStorageTestHost host) : SidecarContractTests<AzureStorageTestHost>(host);
