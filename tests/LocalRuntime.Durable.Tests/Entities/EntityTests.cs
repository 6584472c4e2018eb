using LocalRuntime.Durable.Engine;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Entities;

namespace LocalRuntime.Durable.Tests.Entities;

public sealed class EntityTests
{
    private static DurableFunctionRegistry Registry() => new DurableFunctionRegistry()
        .AddEntity<Counter>(nameof(Counter))
        .AddEntity<Account>(nameof(Account));

    private static async Task<T?> EventuallyAsync<T>(Func<Task<T?>> read, Func<T?, bool> done, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var value = await read();
            if (done(value) || DateTime.UtcNow > deadline)
            {
                return value;
            }

            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task SignalEntityAsync_ThousandSignalsFromFiftyOrchestrations_CounterEndsAtExactlyThousand()
    {
        var counter = new EntityInstanceId(nameof(Counter), "shared");
        var registry = Registry().AddOrchestrator("Signaller", async ctx =>
        {
            for (var i = 0; i < 20; i++)
            {
                await ctx.Entities.SignalEntityAsync(counter, nameof(Counter.Add), 1);
            }

            return 0;
        });
        await using var host = await EngineHost.StartAsync(registry);

        var ids = await Task.WhenAll(Enumerable.Range(0, 50).Select(i =>
            host.Client.ScheduleNewOrchestrationInstanceAsync("Signaller", null, new StartOrchestrationOptions($"s-{i}"))));
        foreach (var id in ids)
        {
            Assert.Equal(OrchestrationRuntimeStatus.Completed, (await host.WaitAsync(id)).RuntimeStatus);
        }

        var state = await EventuallyAsync(() => host.Client.Entities.GetEntityAsync<int>(counter), m => m?.State >= 1_000);
        Assert.Equal(1_000, state!.State);

        // Nothing more arrives later: the count is exact, not just reached.
        await Task.Delay(100);
        Assert.Equal(1_000, (await host.Client.Entities.GetEntityAsync<int>(counter))!.State);
    }

    [Fact]
    public async Task CallEntityAsync_AddThenGet_ReturnsState()
    {
        var counter = new EntityInstanceId(nameof(Counter), "call");
        var registry = Registry().AddOrchestrator("Caller", async ctx =>
        {
            await ctx.Entities.CallEntityAsync(counter, nameof(Counter.Add), 5);
            var after = await ctx.Entities.CallEntityAsync<int>(counter, "addandgetasync", 2);
            var got = await ctx.Entities.CallEntityAsync<int>(counter, "GET");
            return new[] { after, got };
        });
        await using var host = await EngineHost.StartAsync(registry);

        var result = await host.RunAsync("Caller");

        Assert.Equal(OrchestrationRuntimeStatus.Completed, result.RuntimeStatus);
        Assert.Equal([7, 7], result.ReadOutputAs<int[]>()!);
        Assert.Equal(7, (await host.Client.Entities.GetEntityAsync<int>(counter))!.State);
    }

    [Fact]
    public async Task CallEntityAsync_OperationThrows_RollsBackAndThrowsTaskFailedException()
    {
        var counter = new EntityInstanceId(nameof(Counter), "fail");
        var registry = Registry().AddOrchestrator("FailingCaller", async ctx =>
        {
            await ctx.Entities.CallEntityAsync(counter, nameof(Counter.Add), 3);
            try
            {
                await ctx.Entities.CallEntityAsync(counter, nameof(Counter.Fail));
                return "no failure";
            }
            catch (TaskFailedException ex)
            {
                var after = await ctx.Entities.CallEntityAsync<int>(counter, nameof(Counter.Get));
                return $"{ex.FailureDetails.ErrorType}|{ex.FailureDetails.ErrorMessage}|{after}";
            }
        });
        await using var host = await EngineHost.StartAsync(registry);

        var result = await host.RunAsync("FailingCaller");

        Assert.Equal(OrchestrationRuntimeStatus.Completed, result.RuntimeStatus);
        Assert.Equal("System.InvalidOperationException|counter refused|3", result.ReadOutputAs<string>());
    }

    [Fact]
    public async Task CallEntityAsync_UncaughtFailure_FailsOrchestration()
    {
        var counter = new EntityInstanceId(nameof(Counter), "uncaught");
        var registry = Registry().AddOrchestrator("Uncaught", async ctx =>
        {
            await ctx.Entities.CallEntityAsync(counter, "NoSuchOperation");
            return 0;
        });
        await using var host = await EngineHost.StartAsync(registry);

        var result = await host.RunAsync("Uncaught");

        Assert.Equal(OrchestrationRuntimeStatus.Failed, result.RuntimeStatus);
        Assert.Equal(typeof(TaskFailedException).FullName, result.FailureDetails!.ErrorType);
    }

    [Fact]
    public async Task LockEntitiesAsync_ConcurrentReadModifyWriteTransfers_KeepTotalConstant()
    {
        var a = new EntityInstanceId(nameof(Account), "a");
        var b = new EntityInstanceId(nameof(Account), "b");
        var registry = Registry()
            .AddOrchestrator("Transfer", async ctx =>
            {
                var amount = ctx.GetInput<int>();
                var (from, to) = amount % 2 == 0 ? (a, b) : (b, a);
                await using (await ctx.Entities.LockEntitiesAsync(to, from))
                {
                    if (!ctx.Entities.InCriticalSection(out var locked) || locked.Count != 2)
                    {
                        throw new InvalidOperationException("not in a critical section");
                    }

                    var fromBalance = await ctx.Entities.CallEntityAsync<int>(from, nameof(Account.Balance));
                    var toBalance = await ctx.Entities.CallEntityAsync<int>(to, nameof(Account.Balance));
                    await ctx.Entities.CallEntityAsync(from, nameof(Account.Set), fromBalance - amount);
                    await ctx.Entities.CallEntityAsync(to, nameof(Account.Set), toBalance + amount);
                }

                return ctx.Entities.InCriticalSection(out _);
            })
            .AddOrchestrator("Audit", async ctx =>
            {
                await using (await ctx.Entities.LockEntitiesAsync(a, b))
                {
                    return await ctx.Entities.CallEntityAsync<int>(a, nameof(Account.Balance))
                        + await ctx.Entities.CallEntityAsync<int>(b, nameof(Account.Balance));
                }
            });
        await using var host = await EngineHost.StartAsync(registry);
        await host.Client.Entities.SignalEntityAsync(a, nameof(Account.Set), 1_000);
        await host.Client.Entities.SignalEntityAsync(b, nameof(Account.Set), 1_000);

        var transfers = Enumerable.Range(1, 40).Select(i =>
            host.Client.ScheduleNewOrchestrationInstanceAsync("Transfer", i, new StartOrchestrationOptions($"t-{i}"))).ToList();
        var audits = Enumerable.Range(1, 10).Select(i =>
            host.Client.ScheduleNewOrchestrationInstanceAsync("Audit", null, new StartOrchestrationOptions($"audit-{i}"))).ToList();

        foreach (var id in await Task.WhenAll(transfers))
        {
            var done = await host.WaitAsync(id);
            Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
            Assert.False(done.ReadOutputAs<bool>());
        }

        foreach (var id in await Task.WhenAll(audits))
        {
            var done = await host.WaitAsync(id);
            Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
            Assert.Equal(2_000, done.ReadOutputAs<int>());
        }

        var balanceA = (await host.Client.Entities.GetEntityAsync<int>(a))!.State;
        var balanceB = (await host.Client.Entities.GetEntityAsync<int>(b))!.State;
        Assert.Equal(2_000, balanceA + balanceB);

        // Even transfers move a->b, odd ones b->a: 20 of each, sum(2,4..40) = 420, sum(1,3..39) = 400.
        Assert.Equal(1_000 - 420 + 400, balanceA);
    }

    [Fact]
    public async Task LockEntitiesAsync_OrchestrationFailsInsideCriticalSection_ReleasesLocks()
    {
        var counter = new EntityInstanceId(nameof(Counter), "locked");
        var registry = Registry()
            .AddOrchestrator("LockAndFail", async ctx =>
            {
                await ctx.Entities.LockEntitiesAsync(counter); // never disposed
                await ctx.Entities.CallEntityAsync(counter, nameof(Counter.Add), 1);
                throw new InvalidOperationException("boom");
            })
            .AddOrchestrator("AfterLock", async ctx => await ctx.Entities.CallEntityAsync<int>(counter, "AddAndGetAsync", 10));
        await using var host = await EngineHost.StartAsync(registry);

        Assert.Equal(OrchestrationRuntimeStatus.Failed, (await host.RunAsync("LockAndFail")).RuntimeStatus);
        var after = await host.RunAsync("AfterLock", timeout: TimeSpan.FromSeconds(10));

        Assert.Equal(OrchestrationRuntimeStatus.Completed, after.RuntimeStatus);
        Assert.Equal(11, after.ReadOutputAs<int>());
    }

    [Fact]
    public async Task DurableEntityClient_SignalThenGet_ReadsStateAndNullForUnknown()
    {
        var counter = new EntityInstanceId(nameof(Counter), "client");
        await using var host = await EngineHost.StartAsync(Registry());

        Assert.Null(await host.Client.Entities.GetEntityAsync<int>(new EntityInstanceId(nameof(Counter), "nobody")));
        await host.Client.Entities.SignalEntityAsync(counter, nameof(Counter.Add), 7);
        await host.Client.Entities.SignalEntityAsync(counter, nameof(Counter.Forward), 4);

        var state = await EventuallyAsync(() => host.Client.Entities.GetEntityAsync<int>(counter), m => m?.State == 7);
        Assert.Equal(7, state!.State);
        Assert.Equal(counter, state.Id);
        var copy = await EventuallyAsync(
            () => host.Client.Entities.GetEntityAsync<int>(new EntityInstanceId(nameof(Counter), "client-copy")), m => m?.State == 4);
        Assert.Equal(4, copy!.State);

        await host.Client.Entities.SignalEntityAsync(counter, "delete");
        var deleted = await EventuallyAsync(() => host.Client.Entities.GetEntityAsync<int>(counter), m => m is null);
        Assert.Null(deleted);
    }

    [Fact]
    public async Task CallEntityAsync_NoCachedSessions_ReplaysDeterministically()
    {
        var counter = new EntityInstanceId(nameof(Counter), "replay");
        OrchestratorFunction orchestrator = async ctx =>
        {
            var total = 0;
            for (var i = 1; i <= 3; i++)
            {
                total += await ctx.Entities.CallEntityAsync<int>(counter, "AddAndGetAsync", i);
                await ctx.Entities.SignalEntityAsync(counter, nameof(Counter.Add), 100);
                total += await ctx.CallActivityAsync<int>("Double", i);
            }

            await using (await ctx.Entities.LockEntitiesAsync(counter))
            {
                total += await ctx.Entities.CallEntityAsync<int>(counter, nameof(Counter.Get));
            }

            return total;
        };
        var registry = Registry().AddActivity<int, int>("Double", x => x * 2).AddOrchestrator("Replayed", orchestrator);
        await using var host = await EngineHost.StartAsync(registry, options: new DurableEngineOptions { MaxCachedOrchestrations = 0 });

        var result = await host.RunAsync("Replayed", instanceId: "replayed-1");

        // Calls see 1, 103, 206 (signals land between calls in order); activities add 2+4+6; the final read 306.
        Assert.Equal(OrchestrationRuntimeStatus.Completed, result.RuntimeStatus);
        Assert.Equal(1 + 103 + 206 + 12 + 306, result.ReadOutputAs<int>());

        var history = await host.Engine.Store.GetHistoryAsync("replayed-1");
        var replay = OrchestrationReplayer.Replay(history, "Replayed", orchestrator);
        Assert.Null(replay.NondeterminismError);
        Assert.True(replay.IsCompleted);
        Assert.Equal(result.SerializedOutput, replay.SerializedOutput);
        Assert.Contains(history, e => e.Type == HistoryEventType.EntityOperationCalled);
        Assert.Contains(history, e => e.Type == HistoryEventType.EntityLockGranted);
    }

    [Fact]
    public void Replay_EntityCallReplacedByActivity_IsNondeterministic()
    {
        var counter = new EntityInstanceId(nameof(Counter), "nd");
        OrchestratorFunction original = async ctx => await ctx.Entities.CallEntityAsync<int>(counter, nameof(Counter.Get));
        OrchestratorFunction changed = async ctx => await ctx.CallActivityAsync<int>("Get");
        var started = new HistoryEvent { Type = HistoryEventType.ExecutionStarted, InstanceId = "nd", Name = "Orch", ExecutionId = "e" };
        var history = new List<HistoryEvent>
        {
            new() { Type = HistoryEventType.OrchestratorStarted },
            started,
            new() { Type = HistoryEventType.EntityOperationCalled, TaskId = 0, Name = "Get", InstanceId = counter.ToString() },
            new() { Type = HistoryEventType.EntityOperationCompleted, TaskId = 0, Data = "5" },
        };

        Assert.Equal("5", OrchestrationReplayer.Replay(history, "Orch", original).SerializedOutput);
        Assert.NotNull(OrchestrationReplayer.Replay(history, "Orch", changed).NondeterminismError);
    }
}
