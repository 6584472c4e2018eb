using ServerlessTasks.Domain.Model;
using ServerlessTasks.Domain.Scheduling;

namespace ServerlessTasks.Domain.Pools;

/// <summary>
/// The rules of one pool shard over its <see cref="PoolState"/>: grants in effective-priority order, capacity by AIMD,
/// a circuit breaker. Pure: time is what callers send (the pool's clock only moves forward), so the durable entity
/// that wraps it and a simulation behave the same.
/// </summary>
/// <remarks>
/// <para><b>Order.</b> A free slot goes to the waiting request with the highest effective priority under the
/// configured <see cref="IPriorityPolicy"/> (ties in arrival order); a new request is granted at once only when nothing
/// waits that ranks above it. With <see cref="StrictPriorityWithAgingPolicy"/> a request of priority p is passed over by
/// later arrivals at most <c>(10 - p) × AgingDispatches</c> grants, and after <c>(10 - p) × AgingSeconds</c> of waiting
/// no later arrival passes it (it has reached the top level and wins ties by arrival): the starvation bound.</para>
/// <para><b>AIMD.</b> Each success adds <c>IncreaseStep / capacity</c> (one slot per capacity's worth of successes); when
/// the window's failure rate is above <see cref="PoolSettings.DecreaseFailureRate"/> (or its mean latency above
/// <see cref="PoolSettings.DecreaseLatencyMs"/>), a failure cuts capacity by <see cref="PoolSettings.DecreaseFactor"/>,
/// at most once per cooldown. Bounds: <see cref="PoolSettings.ShardMinCapacity"/> to <see cref="PoolSettings.ShardCapacity"/>.</para>
/// <para><b>Breaker.</b> Closed -> Open when the window holds at least <see cref="PoolSettings.MinSamples"/> outcomes and
/// its failure rate reaches <see cref="PoolSettings.BreakerFailureRate"/>; Open grants nothing for
/// <see cref="PoolSettings.BreakerOpenSeconds"/>, then HalfOpen grants <see cref="PoolSettings.HalfOpenProbes"/> at a
/// time; <see cref="PoolSettings.SuccessesToClose"/> probe successes close it, a probe failure opens it again.</para>
/// </remarks>
public sealed class ResourcePool
{
    private readonly PoolSettings _settings;
    private readonly IPriorityPolicy _policy;

    /// <summary>Creates the rules for one shard.</summary>
    /// <param name="name">The shard's entity key (carried in grants).</param>
    /// <param name="settings">The pool's settings.</param>
    /// <param name="state">The shard's state; a fresh state starts at full capacity.</param>
    public ResourcePool(string name, PoolSettings settings, PoolState state)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(state);
        Name = name;
        _settings = settings;
        _policy = settings.Policy.Create();
        State = state;
        if (State.Capacity <= 0)
        {
            State.Capacity = settings.ShardCapacity;
        }
    }

    /// <summary>The shard's entity key.</summary>
    public string Name { get; }

    /// <summary>The state (mutated in place).</summary>
    public PoolState State { get; }

    /// <summary>Slots that may be held now: the adaptive capacity, the probes when half-open, none when open.</summary>
    public int Limit => State.Breaker switch
    {
        BreakerState.Open => 0,
        BreakerState.HalfOpen => Math.Min(_settings.HalfOpenProbes, Math.Max(1, (int)State.Capacity)),
        _ => Math.Max(1, (int)State.Capacity),
    };

    /// <summary>Asks for a slot. Idempotent per request key: asking again while held answers granted, while waiting re-evaluates.</summary>
    /// <param name="request">The request.</param>
    /// <param name="grants">Grants to other waiting requests that this call made possible (tell their holders).</param>
    public SlotReply Acquire(SlotRequest request, List<SlotGrant> grants)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(grants);
        Advance(request.Now);
        if (State.Held.ContainsKey(request.Key))
        {
            return Reply(true);
        }

        if (!State.Waiting.Exists(w => w.Request.Key == request.Key))
        {
            State.Waiting.Add(new WaitingRequest(request, State.Now, State.Arrivals++, State.Grants));
        }

        var granted = Pump(grants, request.Key);
        return Reply(granted);
    }

    /// <summary>Gives a slot back with the work's outcome (a release of a slot not held, e.g. taken back, only withdraws a waiting request).</summary>
    public void Release(SlotRelease release, List<SlotGrant> grants)
    {
        ArgumentNullException.ThrowIfNull(release);
        ArgumentNullException.ThrowIfNull(grants);
        Advance(release.Now);
        State.Waiting.RemoveAll(w => w.Request.Key == release.Key);
        if (State.Held.Remove(release.Key))
        {
            Record(release.Outcome, release.LatencyMs);
        }

        Pump(grants, null);
    }

    /// <summary>Moves the pool's clock (half-opens an expired breaker, takes back slots held too long) and grants what it can.</summary>
    public void Tick(DateTimeOffset now, List<SlotGrant> grants)
    {
        ArgumentNullException.ThrowIfNull(grants);
        Advance(now);
        Pump(grants, null);
    }

    /// <summary>Seconds until the breaker half-opens; 0 when it is not open.</summary>
    public double OpenRemainingSeconds =>
        State.Breaker == BreakerState.Open && State.OpenedAt is { } opened
            ? Math.Max(0, (opened.AddSeconds(_settings.BreakerOpenSeconds) - State.Now).TotalSeconds)
            : 0;

    private SlotReply Reply(bool granted) =>
        new(granted, State.Waiting.Count, State.Breaker, granted ? 0 : Math.Max(1, Math.Min(30, OpenRemainingSeconds > 0 ? OpenRemainingSeconds : 30)));

    private void Advance(DateTimeOffset now)
    {
        if (now > State.Now)
        {
            State.Now = now;
        }

        var horizon = State.Now.AddSeconds(-_settings.WindowSeconds);
        State.Window.RemoveAll(s => s.At < horizon);
        if (State.Breaker == BreakerState.Open && OpenRemainingSeconds <= 0)
        {
            State.Breaker = BreakerState.HalfOpen;
            State.ProbeSuccesses = 0;
        }

        var expired = State.Held.Where(h => (State.Now - h.Value.GrantedAt).TotalSeconds > _settings.HoldSeconds).Select(h => h.Key).ToList();
        foreach (var key in expired)
        {
            // A holder that never released (its orchestration was terminated or purged): the slot is taken back.
            State.Held.Remove(key);
            State.Expired++;
        }
    }

    private void Record(SlotOutcome outcome, double latencyMs)
    {
        if (outcome == SlotOutcome.Abandoned)
        {
            return;
        }

        var failed = outcome == SlotOutcome.Failed;
        State.Window.Add(new OutcomeSample(State.Now, failed, latencyMs));
        if (failed)
        {
            State.Failures++;
        }
        else
        {
            State.Successes++;
        }

        if (State.Breaker == BreakerState.HalfOpen)
        {
            if (failed)
            {
                Open();
                return;
            }

            if (++State.ProbeSuccesses >= _settings.SuccessesToClose)
            {
                State.Breaker = BreakerState.Closed;
                State.Window.Clear(); // the failures that opened it are history now
            }

            State.Capacity = Math.Min(_settings.ShardCapacity, State.Capacity + (_settings.IncreaseStep / State.Capacity));
            return;
        }

        var count = State.Window.Count;
        var failures = State.Window.Count(s => s.Failed);
        var rate = count == 0 ? 0 : failures / (double)count;
        if (State.Breaker == BreakerState.Closed && count >= _settings.MinSamples && rate >= _settings.BreakerFailureRate)
        {
            Open();
            Cut();
            return;
        }

        var slow = _settings.DecreaseLatencyMs > 0 && count >= _settings.MinSamples && State.Window.Average(s => s.LatencyMs) > _settings.DecreaseLatencyMs;
        var failing = count >= Math.Min(_settings.MinSamples, 5) && rate > _settings.DecreaseFailureRate;
        if ((failed && failing) || (slow && latencyMs > _settings.DecreaseLatencyMs))
        {
            Cut();
        }
        else if (!failed && !slow)
        {
            State.Capacity = Math.Min(_settings.ShardCapacity, State.Capacity + (_settings.IncreaseStep / State.Capacity));
        }
    }

    private void Cut()
    {
        if (State.LastDecreaseAt is { } last && (State.Now - last).TotalSeconds < _settings.DecreaseCooldownSeconds)
        {
            return;
        }

        State.Capacity = Math.Max(_settings.ShardMinCapacity, State.Capacity * _settings.DecreaseFactor);
        State.LastDecreaseAt = State.Now;
    }

    private void Open()
    {
        State.Breaker = BreakerState.Open;
        State.OpenedAt = State.Now;
        State.ProbeSuccesses = 0;
        State.BreakerOpens++;
    }

    /// <summary>Grants free slots to the best waiting requests; returns whether <paramref name="caller"/> got one.</summary>
    private bool Pump(List<SlotGrant> grants, string? caller)
    {
        var callerGranted = false;
        while (State.Held.Count < Limit && State.Waiting.Count > 0)
        {
            var best = Best();
            var waiting = State.Waiting[best];
            State.Waiting.RemoveAt(best);
            State.Held[waiting.Request.Key] = new HeldSlot(waiting.Request, State.Now);
            State.Grants++;
            if (waiting.Request.Key == caller)
            {
                callerGranted = true;
            }
            else
            {
                grants.Add(new SlotGrant(waiting.Request.Holder, waiting.Request.TaskId, waiting.Request.Attempt, Name));
            }
        }

        return callerGranted;
    }

    /// <summary>The index of the waiting request with the highest effective priority now (earliest arrival on ties).</summary>
    private int Best()
    {
        var best = 0;
        var bestKey = Evaluate(State.Waiting[0]);
        for (var i = 1; i < State.Waiting.Count; i++)
        {
            var key = Evaluate(State.Waiting[i]);
            if (key > bestKey)
            {
                best = i;
                bestKey = key;
            }
        }

        return best;
    }

    private PriorityKey Evaluate(WaitingRequest waiting)
    {
        var request = waiting.Request;
        var context = new ReadyTaskContext(
            new TaskSpec(request.TaskId, "pool", Priority: request.Priority, Deadline: request.Deadline),
            waiting.Since,
            State.Now,
            waiting.Sequence,
            State.Grants - waiting.GrantsAtArrival,
            TimeSpan.Zero,
            TimeSpan.Zero,
            request.Deadline);
        return _policy.Evaluate(context);
    }
}
