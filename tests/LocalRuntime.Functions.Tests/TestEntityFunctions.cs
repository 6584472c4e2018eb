using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Entities;

namespace LocalRuntime.Functions.Tests;

/// <summary>A counter entity created through DI (it records its operations in the host's probe).</summary>
public sealed class HostCounter(Probe probe) : TaskEntity<int>
{
    public int Add(int amount)
    {
        probe.Events.Enqueue($"entity-add:{Context.Id.Key}:{amount}");
        State += amount;
        return State;
    }

    public int Get() => State;
}

/// <summary>Entity functions bound with <c>[EntityTrigger]</c> and dispatched by <see cref="TaskEntityDispatcher"/>.</summary>
public static class EntityFunctions
{
    [Function(nameof(HostCounter))]
    public static Task HostCounterEntity([EntityTrigger] TaskEntityDispatcher dispatcher) => dispatcher.DispatchAsync<HostCounter>();

    /// <summary>Adds its input to the counter named by the instance id, then reads it back.</summary>
    [Function(nameof(CountingOrchestrator))]
    public static async Task<int> CountingOrchestrator([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        var counter = new EntityInstanceId(nameof(HostCounter), context.InstanceId);
        await context.Entities.CallEntityAsync<int>(counter, nameof(HostCounter.Add), context.GetInput<int>());
        await context.Entities.SignalEntityAsync(counter, nameof(HostCounter.Add), 1);
        return await context.Entities.CallEntityAsync<int>(counter, nameof(HostCounter.Get));
    }

    /// <summary>Echoes, then calls an activity that fails on its first attempt: rewind makes it succeed.</summary>
    [Function(nameof(RewindableOrchestrator))]
    public static async Task<string> RewindableOrchestrator([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        var first = await context.CallActivityAsync<string>(nameof(ActivityFunctions.Echo), "a");
        var second = await context.CallActivityAsync<string>(nameof(FailsOnce), context.InstanceId);
        return $"{first}+{second}";
    }

    [Function(nameof(FailsOnce))]
    public static string FailsOnce([ActivityTrigger] string key, Probe probe)
    {
        var attempt = probe.Attempts.AddOrUpdate(key, 1, (_, n) => n + 1);
        return attempt == 1 ? throw new InvalidOperationException("first attempt fails") : $"ok:{attempt}";
    }
}
