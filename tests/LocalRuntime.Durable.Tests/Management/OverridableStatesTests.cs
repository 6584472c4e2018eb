using System.Net;
using System.Net.Http.Json;
using System.Text;
using DurableTask.Core.Exceptions;
using LocalRuntime.Durable.Client;
using LocalRuntime.Durable.Tests.Client;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace LocalRuntime.Durable.Tests.Management;

/// <summary>A host configured as host.json <c>overridableExistingInstanceStates: NonRunningStates</c>.</summary>
public sealed class NonRunningStatesHost : SqliteTestHost
{
    protected override DurableClientOptions CreateOptions() => base.CreateOptions() with { OverrideOnlyNonRunningInstances = true };

    // As the host builds it for the durableClient binding: hub, connection and key.
    protected override string? RequiredQueryString => $"taskHub={TaskHub}&connection=Storage&code=k1";
}

/// <summary>With NonRunningStates, a start (gRPC or HTTP) or restart onto a running instance is refused; finished ones are replaced.</summary>
public sealed class OverridableStatesTests(NonRunningStatesHost host) : IClassFixture<NonRunningStatesHost>
{
    [Fact]
    public async Task Start_OntoRunningInstance_RefusedOverGrpcAndHttp_FinishedIsReplaced()
    {
        var running = $"run-{Guid.NewGuid():N}";
        await host.Client.ScheduleNewOrchestrationInstanceAsync(nameof(WaitForEventOrchestration), null, new StartOrchestrationOptions(running));
        await Eventually.ValueAsync(() => host.Client.GetInstanceAsync(running), m => m?.RuntimeStatus == OrchestrationRuntimeStatus.Running, "running");
        var finished = await host.Client.ScheduleNewOrchestrationInstanceAsync(nameof(EchoOrchestration), "a");
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            await host.Client.WaitForInstanceCompletionAsync(finished, cancellation: timeout.Token);
        }

        await Assert.ThrowsAsync<OrchestrationAlreadyExistsException>(() =>
            host.Client.ScheduleNewOrchestrationInstanceAsync(nameof(EchoOrchestration), "b", new StartOrchestrationOptions(running)));
        using var http = await host.Http.PostAsync($"/runtime/webhooks/durabletask/orchestrators/EchoOrchestration/{running}", new StringContent("\"c\"", Encoding.UTF8, "application/json"));
        using var restart = await host.Http.PostAsync($"/runtime/webhooks/durabletask/instances/{running}/restart", null);
        var replaced = await host.Client.ScheduleNewOrchestrationInstanceAsync(nameof(EchoOrchestration), "d", new StartOrchestrationOptions(finished));

        using var accepted = await host.Http.PostAsync($"/runtime/webhooks/durabletask/orchestrators/EchoOrchestration", new StringContent("\"e\"", Encoding.UTF8, "application/json"));
        var links = await accepted.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        Assert.EndsWith($"?taskHub={host.TaskHub}&connection=Storage&code=k1", links.GetProperty("statusQueryGetUri").GetString(), StringComparison.Ordinal);
        Assert.EndsWith($"/terminate?reason={{text}}&taskHub={host.TaskHub}&connection=Storage&code=k1", links.GetProperty("terminatePostUri").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, http.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, restart.StatusCode);
        Assert.Equal(finished, replaced);
        Assert.Equal(OrchestrationRuntimeStatus.Running, (await host.Client.GetInstanceAsync(running))!.RuntimeStatus);
        Assert.Equal(nameof(WaitForEventOrchestration), (await host.Client.GetInstanceAsync(running))!.Name);
    }
}
