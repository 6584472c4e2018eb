using LocalRuntime.Durable.Engine;
using LocalRuntime.Durable.Stores;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace LocalRuntime.Durable.Tests;

/// <summary>
/// Replay against checked-in histories: the orchestrator below produced Histories/order-flow.json. The
/// same code must replay it to the same output with nothing left to do; changed code must be reported
/// as nondeterministic. Set REGENERATE_HISTORIES=1 to rewrite the file (then review the diff).
/// </summary>
public class ReplayTests
{
    private const string HistoryFile = "Histories/order-flow.json";

    /// <summary>The recorded orchestrator: one step, a fan-out of three, a durable timer, then an event.</summary>
    internal static async Task<object?> OrderFlow(TaskOrchestrationContext ctx)
    {
        var order = ctx.GetInput<string>()!;
        var reserved = await ctx.CallActivityAsync<string>("Reserve", order);
        var parts = await Task.WhenAll(Enumerable.Range(1, 3).Select(i => ctx.CallActivityAsync<string>("Pack", $"{reserved}-{i}")));
        await ctx.CreateTimer(ctx.CurrentUtcDateTime.AddMilliseconds(20), CancellationToken.None);
        var approval = await ctx.WaitForExternalEvent<string>("approved");
        return $"{string.Join("+", parts)}|{approval}|{ctx.NewGuid():N}";
    }

    /// <summary>A changed version: the first activity was renamed.</summary>
    private static async Task<object?> OrderFlowRenamedStep(TaskOrchestrationContext ctx)
    {
        var reserved = await ctx.CallActivityAsync<string>("ReserveStock", ctx.GetInput<string>());
        return reserved;
    }

    /// <summary>A changed version: an extra activity before the fan-out.</summary>
    private static async Task<object?> OrderFlowExtraStep(TaskOrchestrationContext ctx)
    {
        var reserved = await ctx.CallActivityAsync<string>("Reserve", ctx.GetInput<string>());
        await ctx.CallActivityAsync<string>("Audit", reserved);
        var parts = await Task.WhenAll(Enumerable.Range(1, 3).Select(i => ctx.CallActivityAsync<string>("Pack", $"{reserved}-{i}")));
        return parts.Length;
    }

    private static DurableFunctionRegistry Activities() => new DurableFunctionRegistry()
        .AddActivity<string, string>("Reserve", o => $"R({o})")
        .AddActivity<string, string>("Pack", p => $"P({p})");

    [Fact]
    public async Task Replay_CheckedInHistory_SameCode_SameOutputAndNothingPending()
    {
        var history = await LoadHistoryAsync();

        var result = OrchestrationReplayer.Replay(history, "OrderFlow", OrderFlow);

        Assert.True(result.NondeterminismError is null, result.NondeterminismError);
        Assert.True(result.IsCompleted);
        Assert.Empty(result.PendingActions);
        var recorded = history.Single(e => e.Type == HistoryEventType.ExecutionCompleted);
        Assert.Equal(recorded.Data, result.SerializedOutput);
    }

    [Fact]
    public async Task Replay_CheckedInHistory_RenamedActivity_IsNondeterministic()
    {
        var history = await LoadHistoryAsync();

        var result = OrchestrationReplayer.Replay(history, "OrderFlow", OrderFlowRenamedStep);

        Assert.NotNull(result.NondeterminismError);
        Assert.Contains("'Reserve'", result.NondeterminismError);
        Assert.Contains("'ReserveStock'", result.NondeterminismError);
    }

    [Fact]
    public async Task Replay_CheckedInHistory_InsertedActivity_IsNondeterministic()
    {
        var history = await LoadHistoryAsync();

        var result = OrchestrationReplayer.Replay(history, "OrderFlow", OrderFlowExtraStep);

        Assert.NotNull(result.NondeterminismError);
        Assert.Contains("'Audit'", result.NondeterminismError);
    }

    [Fact]
    public async Task Replay_TruncatedHistory_ReportsTheNextDecision()
    {
        var history = await LoadHistoryAsync();
        // Cut the history right after the first activity completed: the code's next step is the fan-out.
        var cut = history.ToList().FindIndex(e => e.Type == HistoryEventType.TaskCompleted) + 1;

        var result = OrchestrationReplayer.Replay([.. history.Take(cut)], "OrderFlow", OrderFlow);

        Assert.Null(result.NondeterminismError);
        Assert.False(result.IsCompleted);
        Assert.Equal(["ScheduleTask 'Pack' #1", "ScheduleTask 'Pack' #2", "ScheduleTask 'Pack' #3"], result.PendingActions);
    }

    [Fact]
    public async Task Engine_CodeChangedWhileInstanceWaits_InstanceFailsAsNondeterministic()
    {
        var store = new InMemoryDurableStore();
        await using (var before = await EngineHost.StartAsync(Activities().AddOrchestrator("OrderFlow", new OrchestratorFunction(OrderFlow)), store))
        {
            await before.Client.ScheduleNewOrchestrationInstanceAsync("OrderFlow", "o-1", new StartOrchestrationOptions("changed"));
            await OrchestrationTests.Eventually(async () =>
                (await store.GetHistoryAsync("changed")).Any(e => e.Type == HistoryEventType.TimerFired));
        }

        await using var after = await EngineHost.StartAsync(Activities().AddOrchestrator("OrderFlow", new OrchestratorFunction(OrderFlowExtraStep)), store);
        await after.Client.RaiseEventAsync("changed", "approved", "yes");
        var result = await after.WaitAsync("changed");

        Assert.Equal(OrchestrationRuntimeStatus.Failed, result.RuntimeStatus);
        Assert.Equal("NonDeterministicOrchestrationException", result.FailureDetails!.ErrorType);
    }

    [Fact]
    public async Task Engine_NoCache_ReplaysEveryEpisode_SameOutputAsCached()
    {
        async Task<string?> RunAsync(int cacheSize)
        {
            await using var host = await EngineHost.StartAsync(
                Activities().AddOrchestrator("OrderFlow", new OrchestratorFunction(OrderFlow)),
                options: new DurableEngineOptions { MaxCachedOrchestrations = cacheSize });
            var id = await host.Client.ScheduleNewOrchestrationInstanceAsync("OrderFlow", "o-9", new StartOrchestrationOptions("fixed-id"));
            await host.Client.RaiseEventAsync(id, "approved", "ok");
            var output = (await host.WaitAsync(id)).ReadOutputAs<string>();
            return output?[..output.LastIndexOf('|')]; // the GUID part depends on the run's clock
        }

        var cached = await RunAsync(100);
        var uncached = await RunAsync(0);

        Assert.NotNull(cached);
        Assert.Equal(cached, uncached);
    }

    private static async Task<IReadOnlyList<HistoryEvent>> LoadHistoryAsync()
    {
        var path = Path.Combine(AppContext.BaseDirectory, HistoryFile);
        if (Environment.GetEnvironmentVariable("REGENERATE_HISTORIES") == "1")
        {
            await using var host = await EngineHost.StartAsync(Activities().AddOrchestrator("OrderFlow", new OrchestratorFunction(OrderFlow)));
            var id = await host.Client.ScheduleNewOrchestrationInstanceAsync("OrderFlow", "order-42", new StartOrchestrationOptions("order-42"));
            await host.Client.RaiseEventAsync(id, "approved", "by-alice");
            await host.WaitAsync(id);
            var json = HistorySerializer.Serialize(await host.Engine.Store.GetHistoryAsync(id));
            var source = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../", HistoryFile));
            await File.WriteAllTextAsync(source, json);
            await File.WriteAllTextAsync(path, json);
        }

        return HistorySerializer.Deserialize(await File.ReadAllTextAsync(path));
    }
}
