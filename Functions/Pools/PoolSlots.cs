using Microsoft.DurableTask;
using Microsoft.DurableTask.Entities;
using ServerlessTasks.Domain.Pools;
using ServerlessTasks.Functions.Orchestration;

namespace ServerlessTasks.Functions.Pools;

/// <summary>A slot held by an orchestration: give it back with <see cref="PoolSlots.ReleaseAsync"/>.</summary>
/// <param name="Shard">The shard's entity key.</param>
/// <param name="TaskId">The task.</param>
/// <param name="Attempt">The attempt.</param>
/// <param name="GrantedAt">When it was granted (durable time), for the latency the pool learns from.</param>
/// <param name="Waited">How long the request waited for it.</param>
public sealed record PoolSlot(string Shard, string TaskId, int Attempt, DateTimeOffset GrantedAt, TimeSpan Waited);

/// <summary>
/// How orchestration code takes and gives back slots of a shared pool. <see cref="TaskRunner"/> does it for every
/// attempt of a task type a pool names; other orchestrations (e.g. a step calling a gateway) use it directly:
/// <code>
/// var slot = await PoolSlots.AcquireAsync(context, "payment-gateway", taskId, attempt, priority, deadline);
/// try { ... call the dependency ... await PoolSlots.ReleaseAsync(context, slot, SlotOutcome.Succeeded); }
/// catch (TaskFailedException) { await PoolSlots.ReleaseAsync(context, slot, SlotOutcome.Failed); throw; }
/// </code>
/// Waiting costs no polling: a queued request waits for the grant event, asking again only after the reply's
/// <see cref="SlotReply.RetryAfterSeconds"/> (so an open breaker can half-open on the waiter's clock).
/// </summary>
public static class PoolSlots
{
    /// <summary>Pools configured for this app (read once from its settings; see <see cref="PoolSettingsReader"/>).</summary>
    /// <remarks>Orchestrations read it on replay too: change pool task types only when no instance of those types is in flight.</remarks>
    public static PoolCatalog Catalog => PoolSettingsReader.FromEnvironment();

    /// <summary>Takes a slot of <paramref name="pool"/>, waiting (durably) until granted.</summary>
    /// <param name="context">The orchestration.</param>
    /// <param name="pool">The pool's name (as in settings).</param>
    /// <param name="taskId">The task the slot is for (unique within this orchestration).</param>
    /// <param name="attempt">The attempt (each attempt takes its own slot).</param>
    /// <param name="priority">1-10.</param>
    /// <param name="deadline">The task's deadline, for deadline-aware pool policies.</param>
    /// <param name="cancellation">Withdraws the request.</param>
    /// <exception cref="TaskCanceledException">Cancelled while waiting; the request is withdrawn.</exception>
    public static async Task<PoolSlot> AcquireAsync(
        TaskOrchestrationContext context, string pool, string taskId, int attempt, int priority, DateTimeOffset? deadline = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var shard = Catalog.ShardKey(pool, context.InstanceId, taskId);
        var entity = new EntityInstanceId(PoolEntity.EntityName, shard);
        var asked = context.UtcNow();
        var eventName = SlotGrant.EventNameFor(shard, taskId, attempt);
        var reply = await context.Entities.CallEntityAsync<SlotReply>(
            entity, nameof(PoolEntity.Acquire), new SlotRequest(context.InstanceId, taskId, attempt, priority, deadline, asked));
        while (!reply.Granted)
        {
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            var granted = context.WaitForExternalEvent<SlotGrant>(eventName, wait.Token);
            var retry = context.CreateTimer(context.CurrentUtcDateTime.AddSeconds(reply.RetryAfterSeconds), wait.Token);
            var first = await Task.WhenAny(granted, retry);
            wait.Cancel();
            if (cancellation.IsCancellationRequested)
            {
                await context.Entities.SignalEntityAsync(entity, nameof(PoolEntity.Release),
                    new SlotRelease(context.InstanceId, taskId, attempt, SlotOutcome.Abandoned, 0, context.UtcNow()));
                throw new TaskCanceledException("Cancelled while waiting for a pool slot.");
            }

            if (first == granted)
            {
                break;
            }

            // No grant yet: ask again with the current time (re-evaluates; lets an expired breaker half-open).
            reply = await context.Entities.CallEntityAsync<SlotReply>(
                entity, nameof(PoolEntity.Acquire), new SlotRequest(context.InstanceId, taskId, attempt, priority, deadline, context.UtcNow()));
        }

        var now = context.UtcNow();
        return new PoolSlot(shard, taskId, attempt, now, now - asked);
    }

    /// <summary>Gives a slot back with how the work went (a one-way signal).</summary>
    public static Task ReleaseAsync(TaskOrchestrationContext context, PoolSlot slot, SlotOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(slot);
        var now = context.UtcNow();
        return context.Entities.SignalEntityAsync(
            new EntityInstanceId(PoolEntity.EntityName, slot.Shard),
            nameof(PoolEntity.Release),
            new SlotRelease(context.InstanceId, slot.TaskId, slot.Attempt, outcome, Math.Max(0, (now - slot.GrantedAt).TotalMilliseconds), now));
    }
}
