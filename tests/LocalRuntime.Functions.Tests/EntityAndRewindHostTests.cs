using System.Net;
using System.Text;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Entities;

namespace LocalRuntime.Functions.Tests;

/// <summary>[EntityTrigger] discovery and dispatch, and the rewind endpoint, on the real host over HTTP.</summary>
public sealed class EntityAndRewindHostTests : IAsyncLifetime
{
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private static string RewindUrl(string id, string reason = "retry") => $"{TestApp.StatusUrl(id)}/rewind?reason={reason}";

    [Fact]
    public async Task EntityTrigger_OrchestrationStartedOverHttp_DispatchesOperationsToDiCreatedEntity()
    {
        using var start = await _app.Http.PostAsync(
            "/api/start/CountingOrchestrator?id=count-1", new StringContent("5", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);

        var status = await _app.WaitForStatusAsync("count-1");

        Assert.Equal("Completed", status.GetProperty("runtimeStatus").GetString());
        Assert.Equal(6, status.GetProperty("output").GetInt32());
        Assert.Equal(["entity-add:count-1:5", "entity-add:count-1:1"], _app.Probe.Events.Where(e => e.StartsWith("entity-add:count-1", StringComparison.Ordinal)));
        var entity = await _app.Client.Entities.GetEntityAsync<int>(new EntityInstanceId(nameof(HostCounter), "count-1"));
        Assert.Equal(6, entity!.State);
    }

    [Fact]
    public async Task EntityClient_SignalFromHostClient_RunsThroughEntityFunction()
    {
        var id = new EntityInstanceId(nameof(HostCounter), "signalled");
        await _app.Client.Entities.SignalEntityAsync(id, "add", 3);
        await _app.Client.Entities.SignalEntityAsync(id, "ADD", 4);

        await Eventually.TrueAsync(
            async () => (await _app.Client.Entities.GetEntityAsync<int>(id))?.State == 7, "the counter never reached 7");
    }

    [Fact]
    public async Task Rewind_FailedInstance_Returns202AndCompletesRerunningOnlyTheFailedActivity()
    {
        const string id = "rewind-1";
        await _app.Client.ScheduleNewOrchestrationInstanceAsync(nameof(EntityFunctions.RewindableOrchestrator), null, new StartOrchestrationOptions(id));
        var failed = await _app.WaitForStatusAsync(id);
        Assert.Equal("Failed", failed.GetProperty("runtimeStatus").GetString());

        using var rewind = await _app.Http.PostAsync(RewindUrl(id), null);
        Assert.Equal(HttpStatusCode.Accepted, rewind.StatusCode);

        await _app.WaitForRuntimeStatusAsync(id, OrchestrationRuntimeStatus.Completed);
        var status = await _app.WaitForStatusAsync(id, "?showHistory=true");
        Assert.Equal("echo:a+ok:2", status.GetProperty("output").GetString());
        Assert.Equal(2, _app.Probe.Attempts[id]);
        var history = status.GetProperty("historyEvents").EnumerateArray().Select(e => e.GetProperty("EventType").GetString()).ToList();
        Assert.DoesNotContain("TaskFailed", history);
        Assert.Contains("ExecutionRewound", history);
    }

    [Fact]
    public async Task Rewind_UnknownCompletedOrRunning_Returns404_410_409()
    {
        using (var unknown = await _app.Http.PostAsync(RewindUrl("nobody"), null))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        }

        await _app.Client.ScheduleNewOrchestrationInstanceAsync(nameof(OrchestratorFunctions.EchoOrchestrator), "x", new StartOrchestrationOptions("rewind-done"));
        await _app.WaitForRuntimeStatusAsync("rewind-done", OrchestrationRuntimeStatus.Completed);
        using (var completed = await _app.Http.PostAsync(RewindUrl("rewind-done"), null))
        {
            Assert.Equal(HttpStatusCode.Gone, completed.StatusCode);
        }

        await _app.Client.ScheduleNewOrchestrationInstanceAsync(nameof(OrchestratorFunctions.WaitForEventOrchestrator), null, new StartOrchestrationOptions("rewind-running"));
        await _app.WaitForRuntimeStatusAsync("rewind-running", OrchestrationRuntimeStatus.Running);
        using (var running = await _app.Http.PostAsync(RewindUrl("rewind-running"), null))
        {
            Assert.Equal(HttpStatusCode.Conflict, running.StatusCode);
        }

        await Assert.ThrowsAsync<InvalidOperationException>(() => _app.Client.RewindInstanceAsync("rewind-done"));
    }
}
