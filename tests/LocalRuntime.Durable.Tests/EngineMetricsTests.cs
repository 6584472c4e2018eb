using System.Diagnostics.Metrics;
using LocalRuntime.Durable.Engine;

namespace LocalRuntime.Durable.Tests;

public class EngineMetricsTests
{
    private static int Observe(string instrument, string hub)
    {
        var value = -1;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (i, l) =>
        {
            if (i.Meter.Name == EngineMetrics.MeterName && i.Name == instrument)
            {
                l.EnableMeasurementEvents(i);
            }
        };
        listener.SetMeasurementEventCallback<int>((_, measurement, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "task_hub" && (string?)tag.Value == hub)
                {
                    value = measurement;
                }
            }
        });
        listener.Start();
        listener.RecordObservableInstruments();
        return value;
    }

    [Fact]
    public async Task ActivityPoolGauge_GrowsUnderBacklog_ShrinksWhenIdle()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var registry = new DurableFunctionRegistry()
            .AddActivity("Blocked", async (_, _) =>
            {
                await gate.Task;
                return "1";
            })
            .AddOrchestrator("Fan", async ctx => (await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => ctx.CallActivityAsync<int>("Blocked")))).Sum());
        var options = new DurableEngineOptions { HubName = "metrics-hub", MinActivityWorkers = 1, MaxConcurrentActivityFunctions = 8, ActivityWorkerIdleTimeout = TimeSpan.FromMilliseconds(200) };
        await using var host = await EngineHost.StartAsync(registry, options: options);
        var id = await host.Client.ScheduleNewOrchestrationInstanceAsync("Fan");

        await OrchestrationTests.Eventually(() => Task.FromResult(Observe("localruntime.activity_workers.busy", "metrics-hub") == 8));
        Assert.Equal(8, Observe("localruntime.activity_workers", "metrics-hub"));
        Assert.True(Observe("localruntime.activity_backlog", "metrics-hub") > 0);

        gate.SetResult();
        Assert.Equal(50, (await host.WaitAsync(id)).ReadOutputAs<int>());
        await OrchestrationTests.Eventually(() => Task.FromResult(Observe("localruntime.activity_workers", "metrics-hub") == 1));
    }
}
