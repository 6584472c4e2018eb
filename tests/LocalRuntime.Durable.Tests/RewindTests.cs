using System.Collections.Concurrent;
using LocalRuntime.Durable.Engine;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace LocalRuntime.Durable.Tests;

public sealed class RewindTests
{
    private static async Task<OrchestrationMetadata> WaitAfterRewindAsync(EngineHost host, string instanceId)
    {
        // The rewind message is processed asynchronously: wait until the instance left Failed, then for the end.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await host.Client.GetInstanceAsync(instanceId))!.RuntimeStatus == OrchestrationRuntimeStatus.Failed && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        return await host.WaitAsync(instanceId);
    }

    [Theory]
    [InlineData(100)]
    [InlineData(0)]
    public async Task RewindInstanceAsync_FailedActivity_ReRunsOnlyFailedActivitiesAndCompletes(int cache)
    {
        var attempts = new ConcurrentDictionary<string, int>();
        var registry = new DurableFunctionRegistry()
            .AddActivity<string, string>("Flaky", key => attempts.AddOrUpdate(key, 1, (_, n) => n + 1) == 1 && key.StartsWith("bad", StringComparison.Ordinal)
                ? throw new InvalidOperationException($"{key} fails once")
                : key)
            .AddOrchestrator("FanOut", async ctx =>
            {
                var parts = await Task.WhenAll(new[] { "good-1", "bad-1", "good-2", "bad-2" }.Select(k => ctx.CallActivityAsync<string>("Flaky", k)));
                return string.Join(",", parts);
            });
        await using var host = await EngineHost.StartAsync(registry, options: new DurableEngineOptions { MaxCachedOrchestrations = cache });

        var failed = await host.RunAsync("FanOut", instanceId: "fan");
        Assert.Equal(OrchestrationRuntimeStatus.Failed, failed.RuntimeStatus);

        await host.Client.RewindInstanceAsync("fan", "fixed");
        var done = await WaitAfterRewindAsync(host, "fan");

        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Equal("good-1,bad-1,good-2,bad-2", done.ReadOutputAs<string>());
        Assert.Equal(1, attempts["good-1"]);
        Assert.Equal(2, attempts["bad-1"]);
        Assert.Equal(2, attempts["bad-2"]);
        var history = await host.Engine.Store.GetHistoryAsync("fan");
        Assert.DoesNotContain(history, e => e.Type == HistoryEventType.TaskFailed);
        Assert.Single(history, e => e.Type == HistoryEventType.ExecutionRewound);
        Assert.Null(OrchestrationReplayer.Replay(history, "FanOut", (OrchestratorFunction)(async ctx =>
            string.Join(",", await Task.WhenAll(new[] { "good-1", "bad-1", "good-2", "bad-2" }.Select(k => ctx.CallActivityAsync<string>("Flaky", k)))))).NondeterminismError);
    }

    [Fact]
    public async Task RewindInstanceAsync_HandledFailureWithRetry_KeepsEarlierAttemptsAndCompletes()
    {
        var calls = 0;
        var registry = new DurableFunctionRegistry()
            .AddActivity<int, int>("FailTwice", x => Interlocked.Increment(ref calls) <= 2 ? throw new InvalidOperationException("no") : x)
            .AddOrchestrator("Retried", async ctx =>
                await ctx.CallActivityAsync<int>("FailTwice", 42, TaskOptions.FromRetryPolicy(new RetryPolicy(2, TimeSpan.FromMilliseconds(10)))));
        await using var host = await EngineHost.StartAsync(registry);

        Assert.Equal(OrchestrationRuntimeStatus.Failed, (await host.RunAsync("Retried", instanceId: "r")).RuntimeStatus);
        await host.Client.RewindInstanceAsync("r");
        var done = await WaitAfterRewindAsync(host, "r");

        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Equal(42, done.ReadOutputAs<int>());
        Assert.Equal(3, calls);
    }

    [Fact]
    public async Task RewindInstanceAsync_NotFailed_Throws()
    {
        var registry = new DurableFunctionRegistry().AddOrchestrator("Done", _ => Task.FromResult(1));
        await using var host = await EngineHost.StartAsync(registry);
        await host.RunAsync("Done", instanceId: "d");

        await Assert.ThrowsAsync<InvalidOperationException>(() => host.Client.RewindInstanceAsync("d"));
        await Assert.ThrowsAsync<ArgumentException>(() => host.Client.RewindInstanceAsync("unknown"));
    }
}
