namespace ServerlessTasks.Domain.Pools;

/// <summary>The durable state of one pool shard (the entity's state; plain settable properties for serialization).</summary>
public sealed class PoolState
{
    /// <summary>The adaptive capacity (fractional: additive increase grows it by 1 / capacity per success).</summary>
    public double Capacity { get; set; }

    /// <summary>Slots held, by <see cref="SlotRequest.Key"/>.</summary>
    public Dictionary<string, HeldSlot> Held { get; set; } = [];

    /// <summary>Requests waiting, in arrival order.</summary>
    public List<WaitingRequest> Waiting { get; set; } = [];

    /// <summary>Recent outcomes (the AIMD and breaker window).</summary>
    public List<OutcomeSample> Window { get; set; } = [];

    /// <summary>The breaker.</summary>
    public BreakerState Breaker { get; set; }

    /// <summary>When the breaker last opened.</summary>
    public DateTimeOffset? OpenedAt { get; set; }

    /// <summary>Probe successes in a row while half-open.</summary>
    public int ProbeSuccesses { get; set; }

    /// <summary>When capacity was last cut.</summary>
    public DateTimeOffset? LastDecreaseAt { get; set; }

    /// <summary>The latest time any caller sent (the pool's clock).</summary>
    public DateTimeOffset Now { get; set; }

    /// <summary>Requests seen so far (arrival sequence).</summary>
    public long Arrivals { get; set; }

    /// <summary>Grants so far.</summary>
    public long Grants { get; set; }

    /// <summary>Successful releases so far.</summary>
    public long Successes { get; set; }

    /// <summary>Failed releases so far.</summary>
    public long Failures { get; set; }

    /// <summary>Slots taken back from holders that held past <see cref="PoolSettings.HoldSeconds"/>.</summary>
    public long Expired { get; set; }

    /// <summary>Times the breaker opened.</summary>
    public long BreakerOpens { get; set; }
}

/// <summary>A held slot.</summary>
/// <param name="Request">The request it was granted to.</param>
/// <param name="GrantedAt">When.</param>
public sealed record HeldSlot(SlotRequest Request, DateTimeOffset GrantedAt);

/// <summary>A waiting request.</summary>
/// <param name="Request">The request.</param>
/// <param name="Since">When it first arrived (pool time).</param>
/// <param name="Sequence">Its arrival order.</param>
/// <param name="GrantsAtArrival">The pool's grant count when it arrived (grants since are grants it was passed over by or waited for).</param>
public sealed record WaitingRequest(SlotRequest Request, DateTimeOffset Since, long Sequence, long GrantsAtArrival);

/// <summary>One outcome in the window.</summary>
/// <param name="At">When.</param>
/// <param name="Failed">Whether it failed.</param>
/// <param name="LatencyMs">How long it took.</param>
public sealed record OutcomeSample(DateTimeOffset At, bool Failed, double LatencyMs);
