using ServerlessTasks.Domain.Pools;
using ServerlessTasks.Domain.Scheduling;

namespace ServerlessTasks.Domain.Tests.Pools;

/// <summary>One pool shard's rules on a clock the test moves (the pool's time is what callers send).</summary>
public class ResourcePoolTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly PoolSettings NoAging = new() { Capacity = 2, Policy = new PriorityPolicySettings { Name = "strict_priority" } };

    private static ResourcePool Pool(PoolSettings settings) => new("p#0", settings, new PoolState());

    private static SlotRequest Ask(string task, int priority, double at = 0, DateTimeOffset? deadline = null) =>
        new("wf", task, 1, priority, deadline, T0.AddSeconds(at));

    private static SlotRelease Done(string task, SlotOutcome outcome, double at = 0, double latencyMs = 10) =>
        new("wf", task, 1, outcome, latencyMs, T0.AddSeconds(at));

    [Fact]
    public void Acquire_UnderCapacity_GrantedAtOnce()
    {
        var pool = Pool(NoAging);
        var grants = new List<SlotGrant>();

        Assert.True(pool.Acquire(Ask("a", 5), grants).Granted);
        Assert.True(pool.Acquire(Ask("b", 5), grants).Granted);
        var third = pool.Acquire(Ask("c", 5), grants);

        Assert.False(third.Granted);
        Assert.Equal(1, third.Waiting);
        Assert.Empty(grants);
    }

    [Fact]
    public void Acquire_SameRequestAgain_IsIdempotent()
    {
        var pool = Pool(NoAging);
        var grants = new List<SlotGrant>();
        pool.Acquire(Ask("a", 5), grants);

        Assert.True(pool.Acquire(Ask("a", 5, at: 1), grants).Granted);
        Assert.Single(pool.State.Held);
    }

    [Fact]
    public void Release_WithWaiters_GrantsInPriorityOrderThenArrival()
    {
        var pool = Pool(NoAging with { Capacity = 1 });
        var grants = new List<SlotGrant>();
        pool.Acquire(Ask("holder", 5), grants);
        foreach (var (task, priority) in new[] { ("low", 2), ("high-1", 9), ("mid", 5), ("high-2", 9) })
        {
            Assert.False(pool.Acquire(Ask(task, priority), grants).Granted);
        }

        var order = new List<string>();
        var current = "holder";
        for (var i = 0; i < 4; i++)
        {
            pool.Release(Done(current, SlotOutcome.Succeeded, at: i + 1), grants);
            current = Assert.Single(grants).TaskId;
            Assert.Equal(SlotGrant.EventNameFor("p#0", current, 1), grants[0].EventName);
            grants.Clear();
            order.Add(current);
        }

        Assert.Equal(["high-1", "high-2", "mid", "low"], order);
    }

    [Fact]
    public void Acquire_WhileHigherPriorityWaits_QueuesBehindIt()
    {
        var pool = Pool(NoAging with { Capacity = 1 });
        var grants = new List<SlotGrant>();
        pool.Acquire(Ask("holder", 5), grants);
        pool.Acquire(Ask("vip", 10), grants);
        pool.Release(Done("holder", SlotOutcome.Succeeded), grants);

        Assert.Equal("vip", Assert.Single(grants).TaskId);
        Assert.False(pool.Acquire(Ask("late-low", 1), grants).Granted);
    }

    [Fact]
    public void Grants_WithDispatchAging_LowPriorityPassedOverAtMostTheBound()
    {
        // Priority 6 with 2 grants per level: passed over by later arrivals at most (10 - 6) x 2 = 8 times.
        var settings = new PoolSettings { Capacity = 1, Policy = new PriorityPolicySettings { Name = "strict_priority_aging", AgingDispatches = 2, AgingSeconds = 0 } };
        var pool = Pool(settings);
        var grants = new List<SlotGrant>();
        pool.Acquire(Ask("holder", 5), grants);
        pool.Acquire(Ask("old-low", 6), grants);
        var next = 0;
        pool.Acquire(Ask($"vip-{next++}", 10), grants);
        var current = "holder";
        var passedOver = 0;
        while (true)
        {
            pool.Acquire(Ask($"vip-{next++}", 10), grants); // a steady stream of later, higher-priority work
            pool.Release(Done(current, SlotOutcome.Succeeded), grants);
            current = Assert.Single(grants).TaskId;
            grants.Clear();
            if (current == "old-low")
            {
                break;
            }

            passedOver++;
            Assert.True(passedOver <= 100, "starved");
        }

        Assert.Equal(new StrictPriorityWithAgingPolicy(2, null).MaxPassOvers(6), passedOver);
    }

    [Fact]
    public void Grants_WithTimeAging_LowPriorityWinsOnceAgedToTheTop()
    {
        var settings = new PoolSettings { Capacity = 1, Policy = new PriorityPolicySettings { Name = "strict_priority_aging", AgingDispatches = 0, AgingSeconds = 10 } };
        var pool = Pool(settings);
        var grants = new List<SlotGrant>();
        pool.Acquire(Ask("holder", 5), grants);
        pool.Acquire(Ask("old-low", 8), grants); // reaches 10 after (10 - 8) x 10 s = 20 s
        pool.Acquire(Ask("vip-a", 10, at: 5), grants);
        pool.Release(Done("holder", SlotOutcome.Succeeded, at: 6), grants);
        Assert.Equal("vip-a", Assert.Single(grants).TaskId); // at 6 s old-low is at 8: vip first
        grants.Clear();

        pool.Acquire(Ask("vip-b", 10, at: 19), grants);
        pool.Release(Done("vip-a", SlotOutcome.Succeeded, at: 21), grants);

        Assert.Equal("old-low", Assert.Single(grants).TaskId); // at 21 s it is at 10 and arrived before vip-b
    }

    [Fact]
    public void Release_FailuresAboveTheRate_CutCapacityOncePerCooldown()
    {
        var settings = new PoolSettings { Capacity = 8, MinSamples = 2, BreakerFailureRate = 1.0, DecreaseCooldownSeconds = 1, Policy = new PriorityPolicySettings { Name = "strict_priority" } };
        var pool = Pool(settings);
        var grants = new List<SlotGrant>();
        for (var i = 0; i < 8; i++)
        {
            pool.Acquire(Ask($"t{i}", 5), grants);
        }

        for (var i = 0; i < 5; i++)
        {
            pool.Release(Done($"t{i}", i == 0 ? SlotOutcome.Succeeded : SlotOutcome.Failed), grants); // all at the same instant
        }

        Assert.Equal(4, pool.State.Capacity, 3); // one cut (x0.5) for the burst: the cooldown holds the rest
        Assert.Equal(4, pool.Limit);
        pool.Release(Done("t5", SlotOutcome.Failed, at: 2), grants);
        Assert.Equal(2, pool.State.Capacity, 3);
        Assert.Equal(BreakerState.Closed, pool.State.Breaker);
    }

    [Fact]
    public void Release_Successes_AddAboutOneSlotPerCapacityOfSuccesses()
    {
        var settings = new PoolSettings { Capacity = 10, Policy = new PriorityPolicySettings { Name = "strict_priority" } };
        var pool = new ResourcePool("p#0", settings, new PoolState { Capacity = 4 });
        var grants = new List<SlotGrant>();
        for (var i = 0; i < 4; i++)
        {
            pool.Acquire(Ask($"t{i}", 5), grants);
            pool.Release(Done($"t{i}", SlotOutcome.Succeeded), grants);
        }

        Assert.InRange(pool.State.Capacity, 4.9, 5.0); // 4 + 1/4 + 1/4.25 + ...
    }

    [Fact]
    public void Breaker_KeepsFailing_OpensGrantsNothingThenHalfOpensAndClosesOnProbeSuccesses()
    {
        var settings = new PoolSettings
        {
            Capacity = 4, MinSamples = 4, BreakerFailureRate = 0.75, BreakerOpenSeconds = 30, HalfOpenProbes = 1, SuccessesToClose = 2,
            Policy = new PriorityPolicySettings { Name = "strict_priority" },
        };
        var pool = Pool(settings);
        var grants = new List<SlotGrant>();
        for (var i = 0; i < 4; i++)
        {
            pool.Acquire(Ask($"t{i}", 5), grants);
        }

        pool.Release(Done("t0", SlotOutcome.Succeeded, at: 1), grants);
        pool.Release(Done("t1", SlotOutcome.Failed, at: 1), grants);
        pool.Release(Done("t2", SlotOutcome.Failed, at: 1), grants);
        Assert.Equal(BreakerState.Closed, pool.State.Breaker);
        pool.Release(Done("t3", SlotOutcome.Failed, at: 2), grants);

        Assert.Equal(BreakerState.Open, pool.State.Breaker);
        var waiting = pool.Acquire(Ask("w1", 5, at: 3), grants);
        Assert.False(waiting.Granted);
        Assert.Equal(29, waiting.RetryAfterSeconds, 3);
        pool.Acquire(Ask("w2", 5, at: 3), grants);
        pool.Tick(T0.AddSeconds(31), grants);
        Assert.Empty(grants);

        pool.Tick(T0.AddSeconds(32), grants);
        Assert.Equal(BreakerState.HalfOpen, pool.State.Breaker);
        Assert.Equal("w1", Assert.Single(grants).TaskId); // one probe at a time
        grants.Clear();
        pool.Release(Done("w1", SlotOutcome.Succeeded, at: 33), grants);
        Assert.Equal("w2", Assert.Single(grants).TaskId);
        pool.Release(Done("w2", SlotOutcome.Succeeded, at: 34), grants);

        Assert.Equal(BreakerState.Closed, pool.State.Breaker);
        Assert.Equal(1, pool.State.BreakerOpens);
    }

    [Fact]
    public void Breaker_ProbeFails_OpensAgain()
    {
        var settings = new PoolSettings { Capacity = 2, MinSamples = 2, BreakerFailureRate = 1, BreakerOpenSeconds = 10, Policy = new PriorityPolicySettings { Name = "strict_priority" } };
        var pool = Pool(settings);
        var grants = new List<SlotGrant>();
        pool.Acquire(Ask("a", 5), grants);
        pool.Acquire(Ask("b", 5), grants);
        pool.Release(Done("a", SlotOutcome.Failed), grants);
        pool.Release(Done("b", SlotOutcome.Failed), grants);
        Assert.Equal(BreakerState.Open, pool.State.Breaker);

        Assert.True(pool.Acquire(Ask("probe", 5, at: 11), grants).Granted);
        pool.Release(Done("probe", SlotOutcome.Failed, at: 12), grants);

        Assert.Equal(BreakerState.Open, pool.State.Breaker);
        Assert.Equal(2, pool.State.BreakerOpens);
        Assert.False(pool.Acquire(Ask("next", 5, at: 13), grants).Granted);
    }

    [Fact]
    public void Tick_SlotHeldPastHoldSeconds_IsTakenBackAndGranted()
    {
        var pool = Pool(NoAging with { Capacity = 1, HoldSeconds = 60 });
        var grants = new List<SlotGrant>();
        pool.Acquire(Ask("vanished", 5), grants);
        pool.Acquire(Ask("next", 5, at: 1), grants);

        pool.Tick(T0.AddSeconds(61), grants);

        Assert.Equal("next", Assert.Single(grants).TaskId);
        Assert.Equal(1, pool.State.Expired);
    }

    [Fact]
    public void Release_Abandoned_WithdrawsWithoutSignal()
    {
        var pool = Pool(NoAging with { Capacity = 1 });
        var grants = new List<SlotGrant>();
        pool.Acquire(Ask("a", 5), grants);
        pool.Acquire(Ask("b", 5), grants);

        pool.Release(Done("b", SlotOutcome.Abandoned), grants); // withdrawn while waiting
        pool.Release(Done("a", SlotOutcome.Abandoned), grants);

        Assert.Empty(grants);
        Assert.Empty(pool.State.Window);
        Assert.Empty(pool.State.Held);
    }

    [Fact]
    public void Catalog_BadSettings_ThrowsNamingEverySetting()
    {
        var error = Assert.Throws<ArgumentException>(() => new PoolCatalog(new Dictionary<string, PoolSettings>
        {
            ["gw"] = new() { Capacity = 0, TaskTypes = "charge" },
            ["other"] = new() { Capacity = 2, TaskTypes = "charge", Policy = new PriorityPolicySettings { Name = "fastest" } },
        }));

        Assert.Contains("Pools:gw:Capacity must be at least 1", error.Message);
        Assert.Contains("Pools:other:TaskTypes: task type 'charge' is already in pool 'gw'", error.Message);
        Assert.Contains("Pools:other:Policy:Name must be one of strict_priority_aging, strict_priority, earliest_deadline_first (got 'fastest')", error.Message);
    }

    [Fact]
    public void Catalog_Shards_StableKeysSpreadOverEveryShard()
    {
        var catalog = new PoolCatalog(new Dictionary<string, PoolSettings> { ["gw"] = new() { Capacity = 40, Shards = 4, TaskTypes = "charge, refund" } });

        var keys = Enumerable.Range(0, 200).Select(i => catalog.ShardKey("gw", $"wf-{i}", "pay")).ToList();

        Assert.Equal("gw", catalog.PoolFor("REFUND"));
        Assert.Null(catalog.PoolFor("echo"));
        Assert.Equal(["gw#0", "gw#1", "gw#2", "gw#3"], keys.Distinct().Order().ToList());
        Assert.Equal(keys, Enumerable.Range(0, 200).Select(i => catalog.ShardKey("gw", $"wf-{i}", "pay")).ToList());
        Assert.Equal(10, catalog.Settings("gw")!.ShardCapacity);
        Assert.Equal("gw", PoolCatalog.PoolOf("gw#3"));
    }
}
