using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.DurableTask.Client;

namespace LocalRuntime.Functions.Tests;

/// <summary>Graceful shutdown: stop accepting, drain running work (bounded), then stop; nothing lost.</summary>
public sealed class ShutdownTests
{
    [Fact]
    public async Task StopAsync_WithActivityRunning_StopsAcceptingDrainsAndCommitsItsResult()
    {
        using var folder = new TempFolder();
        var db = folder.File("durable.db");
        var app = await TestApp.StartAsync(sqlitePath: db);
        string id;
        await using (app)
        {
            using var start = await app.Http.PostAsync("/api/start/SlowOrchestrator", new StringContent("null", Encoding.UTF8, "application/json"));
            id = (await start.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
            await Eventually.TrueAsync(() => app.Probe.Events.Contains("slow-started"), "the activity did not start");

            var stopping = app.App.StopAsync();

            // New connections are refused while the running activity holds the shutdown open.
            await Eventually.TrueAsync(async () =>
            {
                try
                {
                    using var fresh = new HttpClient { BaseAddress = app.BaseAddress };
                    using var response = await fresh.GetAsync("/api/open");
                    return false;
                }
                catch (HttpRequestException)
                {
                    return true;
                }
            }, "the server kept accepting during shutdown");
            Assert.False(stopping.IsCompleted, "the host stopped before the running activity finished");

            app.Probe.SlowGate.SetResult();
            await stopping.WaitAsync(TimeSpan.FromSeconds(20));
            Assert.Contains("slow-finished", app.Probe.Events);
        }

        // The drained result was committed: the restarted host completes without running the activity again.
        await using var restarted = await TestApp.StartAsync(sqlitePath: db);
        var done = await restarted.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Equal("done:slow", done.ReadOutputAs<string>());
        Assert.DoesNotContain("slow-started", restarted.Probe.Events);
    }

    [Fact]
    public async Task StopAsync_ActivityOutlastsTheBound_StopsAnyway_WorkResumesAfterRestart()
    {
        using var folder = new TempFolder();
        var db = folder.File("durable.db");
        var app = await TestApp.StartAsync(new Dictionary<string, string> { ["shutdownTimeoutSeconds"] = "1" }, sqlitePath: db);
        string id;
        await using (app)
        {
            id = await app.Client.ScheduleNewOrchestrationInstanceAsync(nameof(OrchestratorFunctions.SlowOrchestrator));
            await Eventually.TrueAsync(() => app.Probe.Events.Contains("slow-started"), "the activity did not start");

            using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            var watch = System.Diagnostics.Stopwatch.StartNew();
            await app.App.StopAsync(bound.Token);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"stop took {watch.Elapsed}");
            Assert.DoesNotContain("slow-finished", app.Probe.Events);
        }

        // Unfinished work stayed in the store: the next host runs the activity again and completes.
        await using var restarted = await TestApp.StartAsync(sqlitePath: db);
        restarted.Probe.SlowGate.SetResult();
        var done = await restarted.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token);
        Assert.Equal("done:slow", done.ReadOutputAs<string>());
        Assert.Contains("slow-started", restarted.Probe.Events);
    }
}
