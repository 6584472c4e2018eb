using LocalRuntime.Durable.Engine;
using LocalRuntime.Durable.Stores;
using Microsoft.DurableTask.Client;

namespace LocalRuntime.Durable.Tests;

/// <summary>Starts an engine over a store for one test and stops it afterwards.</summary>
internal sealed class EngineHost : IAsyncDisposable
{
    private EngineHost(DurableEngine engine) => Engine = engine;

    public DurableEngine Engine { get; }

    public DurableTaskClient Client => Engine.Client;

    public static async Task<EngineHost> StartAsync(
        DurableFunctionRegistry registry,
        IDurableStore? store = null,
        TimeProvider? time = null,
        DurableEngineOptions? options = null)
    {
        var engine = new DurableEngine(store ?? new InMemoryDurableStore(), registry, options, time);
        await engine.StartAsync();
        return new EngineHost(engine);
    }

    /// <summary>Waits for completion with a deadline, so a hung engine fails the test instead of hanging it.</summary>
    public async Task<OrchestrationMetadata> RunAsync(string orchestrator, object? input = null, string? instanceId = null, TimeSpan? timeout = null)
    {
        var id = await Client.ScheduleNewOrchestrationInstanceAsync(orchestrator, input, new Microsoft.DurableTask.StartOrchestrationOptions(instanceId));
        return await WaitAsync(id, timeout);
    }

    public async Task<OrchestrationMetadata> WaitAsync(string instanceId, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        return await Client.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: true, cts.Token);
    }

    public async ValueTask DisposeAsync() => await Engine.DisposeAsync();
}
