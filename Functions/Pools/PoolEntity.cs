using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Entities;
using ServerlessTasks.Domain.Pools;

namespace ServerlessTasks.Functions.Pools;

/// <summary>
/// One shard of a shared resource pool as a durable entity (key <c>{pool}#{shard}</c>). Operations: <c>acquire</c>
/// (<see cref="SlotRequest"/> -> <see cref="SlotReply"/>), <c>release</c> (<see cref="SlotRelease"/>, signalled),
/// <c>tick</c> (a time, signalled), <c>get</c> (the state). The rules are <see cref="ResourcePool"/>'s; this wraps them
/// and tells the holders of grants made for waiting requests, through <see cref="PoolGrantNotifier"/> orchestrations
/// the entity starts (sent with its state commit, so a grant is never told without being recorded).
/// </summary>
public sealed class PoolEntity : TaskEntity<PoolState>
{
    /// <summary>The entity's name.</summary>
    public const string EntityName = nameof(PoolEntity);

    /// <summary>Asks for a slot.</summary>
    public SlotReply Acquire(SlotRequest request)
    {
        var grants = new List<SlotGrant>();
        var reply = Pool().Acquire(request, grants);
        Tell(grants);
        return reply;
    }

    /// <summary>Gives a slot back.</summary>
    public void Release(SlotRelease release)
    {
        var grants = new List<SlotGrant>();
        Pool().Release(release, grants);
        Tell(grants);
    }

    /// <summary>Moves the pool's clock (e.g. lets an expired breaker half-open) and grants what it can.</summary>
    public void Tick(DateTimeOffset now)
    {
        var grants = new List<SlotGrant>();
        Pool().Tick(now, grants);
        Tell(grants);
    }

    /// <summary>The shard's state.</summary>
    public PoolState Get() => State;

    /// <inheritdoc />
    protected override PoolState InitializeState(TaskEntityOperation entityOperation) => new();

    /// <summary>The entity function.</summary>
    [Function(EntityName)]
    public static Task Dispatch([EntityTrigger] TaskEntityDispatcher dispatcher)
    {
        ArgumentNullException.ThrowIfNull(dispatcher);
        return dispatcher.DispatchAsync<PoolEntity>();
    }

    private ResourcePool Pool()
    {
        var key = Context.Id.Key;
        var settings = PoolSlots.Catalog.Settings(PoolCatalog.PoolOf(key))
            ?? throw new InvalidOperationException($"Pool '{PoolCatalog.PoolOf(key)}' is not configured (Pools:{PoolCatalog.PoolOf(key)}:Capacity).");
        return new ResourcePool(key, settings, State);
    }

    private void Tell(List<SlotGrant> grants)
    {
        foreach (var grant in grants)
        {
            // One notifier per grant, by a deterministic id: a replayed batch does not tell twice.
            Context.ScheduleNewOrchestration(
                nameof(PoolGrantNotifier.NotifyPoolGrant),
                grant,
                new StartOrchestrationOptions($"{grant.EventName}:{grant.Holder}"));
        }
    }
}
