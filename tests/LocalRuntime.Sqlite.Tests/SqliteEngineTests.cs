using System.Diagnostics;
using LocalRuntime.Durable.Engine;
using LocalRuntime.Durable.Stores;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Xunit.Abstractions;

namespace LocalRuntime.Sqlite.Tests;

/// <summary>The real engine on a SQLite file, end to end and across a restart.</summary>
public sealed class SqliteEngineTests(ITestOutputHelper output) : IDisposable
{
    private readonly TestScratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public async Task FanOut500_Completes_AndIsStillCompletedAfterRestart()
    {
        var path = _scratch.File("engine.db");
        var registry = new DurableFunctionRegistry()
            .AddActivity<int, int>("AddOne", x => x + 1)
            .AddOrchestrator("FanOut", async ctx =>
            {
                var n = ctx.GetInput<int>();
                var results = await Task.WhenAll(Enumerable.Range(0, n).Select(i => ctx.CallActivityAsync<int>("AddOne", i)));
                return results.Sum();
            });
        var expected = Enumerable.Range(1, 500).Sum();

        OrchestrationMetadata first;
        IReadOnlyList<HistoryEvent> firstHistory;
        await using (var store = new SqliteDurableStore(path))
        {
            await using var engine = new DurableEngine(store, registry);
            await engine.StartAsync();
            var id = await engine.Client.ScheduleNewOrchestrationInstanceAsync("FanOut", 500, new StartOrchestrationOptions("fan-1"));
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            first = await engine.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, deadline.Token);
            await engine.StopAsync();
            firstHistory = await store.GetHistoryAsync(id);
        }

        Assert.Equal(OrchestrationRuntimeStatus.Completed, first.RuntimeStatus);
        Assert.Equal(expected, first.ReadOutputAs<int>());
        Assert.Equal(500, firstHistory.Count(e => e.Type == HistoryEventType.TaskCompleted));

        await using (var store = new SqliteDurableStore(path))
        {
            await using var engine = new DurableEngine(store, registry);
            await engine.StartAsync();
            var again = await engine.Client.GetInstanceAsync("fan-1", getInputsAndOutputs: true);

            Assert.NotNull(again);
            Assert.Equal(OrchestrationRuntimeStatus.Completed, again.RuntimeStatus);
            Assert.Equal(first.SerializedOutput, again.SerializedOutput);
            Assert.Equal(firstHistory.Count, (await store.GetHistoryAsync("fan-1")).Count);
            var pending = await store.LoadPendingWorkAsync();
            Assert.Empty(pending.Activities);
            Assert.Empty(pending.Messages);
        }
    }

    [Fact]
    public async Task SequentialSteps_MeasuredAgainstInMemory()
    {
        const int steps = 300;
        var registry = new DurableFunctionRegistry()
            .AddActivity<int, int>("AddOne", x => x + 1)
            .AddOrchestrator("Chain", async ctx =>
            {
                var x = 0;
                for (var i = 0; i < steps; i++)
                {
                    x = await ctx.CallActivityAsync<int>("AddOne", x);
                }

                return x;
            });

        async Task<double> StepsPerSecondAsync(IDurableStore store)
        {
            await using var engine = new DurableEngine(store, registry);
            await engine.StartAsync();
            var clock = Stopwatch.StartNew();
            var id = await engine.Client.ScheduleNewOrchestrationInstanceAsync("Chain");
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var done = await engine.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, deadline.Token);
            clock.Stop();
            Assert.Equal(steps, done.ReadOutputAs<int>());
            return steps / clock.Elapsed.TotalSeconds;
        }

        // One warm-up run of each (JIT, SQLite page cache), then the measured runs side by side.
        await using var sqlite = new SqliteDurableStore(_scratch.File("chain.db"));
        await StepsPerSecondAsync(sqlite);
        await StepsPerSecondAsync(new InMemoryDurableStore());
        var onSqlite = await StepsPerSecondAsync(sqlite);
        var inMemory = await StepsPerSecondAsync(new InMemoryDurableStore());
        output.WriteLine($"{steps} sequential steps: SQLite {onSqlite:N0} steps/s, in-memory {inMemory:N0} steps/s (ratio {inMemory / onSqlite:N1}x)");
        Assert.True(onSqlite > 100, $"{onSqlite:N0} steps/s");
    }
}
