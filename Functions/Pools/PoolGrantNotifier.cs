using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using ServerlessTasks.Domain.Pools;
using ServerlessTasks.Functions.Orchestration;

namespace ServerlessTasks.Functions.Pools;

/// <summary>
/// Tells a waiting holder its slot was granted: an entity cannot raise an event to an orchestration, so the pool
/// starts this tiny orchestration, whose activity raises <see cref="SlotGrant.EventName"/> on the holder.
/// </summary>
public static class PoolGrantNotifier
{
    /// <summary>The orchestrator.</summary>
    [Function(nameof(NotifyPoolGrant))]
    public static Task NotifyPoolGrant([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var grant = context.GetInput<SlotGrant>() ?? throw new InvalidOperationException("A pool grant notice needs its grant.");
        return context.CallActivityAsync(nameof(RaisePoolGrant), grant, OrchestrationDefaults.BookkeepingRetry);
    }

    /// <summary>The activity: raises the grant event (idempotent: the holder takes the first and ignores repeats).</summary>
    [Function(nameof(RaisePoolGrant))]
    public static Task RaisePoolGrant([ActivityTrigger] SlotGrant grant, [DurableClient] DurableTaskClient client, FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(grant);
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(context);
        return client.RaiseEventAsync(grant.Holder, grant.EventName, grant, context.CancellationToken);
    }
}
