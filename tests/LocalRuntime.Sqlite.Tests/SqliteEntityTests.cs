using LocalRuntime.Durable.Engine;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Entities;

namespace LocalRuntime.Sqlite.Tests;

/// <summary>Entities on a SQLite file: state and locks survive an engine restart.</summary>
public sealed class SqliteEntityTests : IDisposable
{
    private readonly TestScratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public async Task EntityState_EngineRestart_SurvivesAndKeepsCounting()
    {
        var path = _scratch.File("entities.db");
        var counter = new EntityInstanceId(nameof(Tally), "restart");
        var registry = new DurableFunctionRegistry()
            .AddEntity<Tally>(nameof(Tally))
            .AddOrchestrator("AddThree", async ctx =>
            {
                for (var i = 0; i < 3; i++)
                {
                    await ctx.Entities.CallEntityAsync(counter, nameof(Tally.Add), 1);
                }

                return await ctx.Entities.CallEntityAsync<int>(counter, nameof(Tally.Get));
            });

        await using (var store = new SqliteDurableStore(path))
        {
            await using var engine = new DurableEngine(store, registry);
            await engine.StartAsync();
            var done = await RunAsync(engine, "first");
            Assert.Equal(3, done.ReadOutputAs<int>());
            await engine.StopAsync();
        }

        await using (var store = new SqliteDurableStore(path))
        {
            await using var engine = new DurableEngine(store, registry);
            await engine.StartAsync();
            Assert.Equal(3, (await engine.Client.Entities.GetEntityAsync<int>(counter))!.State);
            var done = await RunAsync(engine, "second");
            Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
            Assert.Equal(6, done.ReadOutputAs<int>());
        }
    }

    private static async Task<OrchestrationMetadata> RunAsync(DurableEngine engine, string instanceId)
    {
        var id = await engine.Client.ScheduleNewOrchestrationInstanceAsync("AddThree", null, new StartOrchestrationOptions(instanceId));
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await engine.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, deadline.Token);
    }

    /// <summary>A counter entity.</summary>
    public sealed class Tally : TaskEntity<int>
    {
        public void Add(int amount) => State += amount;

        public int Get() => State;
    }
}
