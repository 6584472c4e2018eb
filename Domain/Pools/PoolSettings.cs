using ServerlessTasks.Domain.Scheduling;

namespace ServerlessTasks.Domain.Pools;

/// <summary>
/// One shared resource pool as configured in settings under <c>Pools:{name}</c> (e.g.
/// <c>Pools:payment-gateway:Capacity=50</c>, <c>Pools:payment-gateway:TaskTypes=charge,refund</c>). Every value but
/// <see cref="Capacity"/> has a default; see docs/deployment.md.
/// </summary>
public sealed record PoolSettings
{
    /// <summary>Most slots held at once over all shards (the AIMD ceiling).</summary>
    public int Capacity { get; init; } = 10;

    /// <summary>Fewest slots AIMD cuts to (per shard at least 1).</summary>
    public int MinCapacity { get; init; } = 1;

    /// <summary>Task types whose attempts acquire a slot of this pool (comma-separated in settings).</summary>
    public string TaskTypes { get; init; } = string.Empty;

    /// <summary>Entities the pool is split over; a task's shard is a stable hash of its key. Capacity is split evenly.</summary>
    public int Shards { get; init; } = 1;

    /// <summary>How waiting requests are ordered (see <see cref="PriorityPolicySettings"/>).</summary>
    public PriorityPolicySettings Policy { get; init; } = new();

    /// <summary>The window of recent outcomes AIMD and the breaker look at, in seconds.</summary>
    public double WindowSeconds { get; init; } = 10;

    /// <summary>Failure rate in the window above which capacity is cut.</summary>
    public double DecreaseFailureRate { get; init; } = 0.2;

    /// <summary>Mean latency in the window above which capacity is cut (ms); 0 turns the latency signal off.</summary>
    public double DecreaseLatencyMs { get; init; }

    /// <summary>The multiplicative cut (capacity × factor).</summary>
    public double DecreaseFactor { get; init; } = 0.5;

    /// <summary>Least time between two cuts, in seconds, so one burst of failures cuts once.</summary>
    public double DecreaseCooldownSeconds { get; init; } = 1;

    /// <summary>Slots gained per capacity's worth of successes (additive increase, +1 per "round trip").</summary>
    public double IncreaseStep { get; init; } = 1;

    /// <summary>Outcomes the window needs before AIMD or the breaker act on its rate.</summary>
    public int MinSamples { get; init; } = 10;

    /// <summary>Failure rate in the window at which the breaker opens.</summary>
    public double BreakerFailureRate { get; init; } = 0.5;

    /// <summary>How long the breaker stays open before it half-opens to probe, in seconds.</summary>
    public double BreakerOpenSeconds { get; init; } = 30;

    /// <summary>Slots granted at once while half-open (the probes).</summary>
    public int HalfOpenProbes { get; init; } = 1;

    /// <summary>Probe successes in a row that close the breaker again.</summary>
    public int SuccessesToClose { get; init; } = 2;

    /// <summary>How long a granted slot is held at most before the pool takes it back (a holder that vanished), in seconds.</summary>
    public double HoldSeconds { get; init; } = 600;

    /// <summary>The task types, parsed.</summary>
    public IReadOnlyList<string> TaskTypeList =>
        [.. TaskTypes.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    /// <summary>The ceiling of one shard.</summary>
    public int ShardCapacity => Math.Max(1, (int)Math.Ceiling(Capacity / (double)Math.Max(1, Shards)));

    /// <summary>The floor of one shard.</summary>
    public int ShardMinCapacity => Math.Max(1, Math.Min(ShardCapacity, (int)Math.Ceiling(MinCapacity / (double)Math.Max(1, Shards))));

    /// <summary>Why these settings cannot be used (naming the setting), or an empty list.</summary>
    public IReadOnlyList<string> Problems(string name)
    {
        var problems = new List<string>();
        void Check(bool ok, string message)
        {
            if (!ok)
            {
                problems.Add($"Pools:{name}:{message}");
            }
        }

        Check(Capacity >= 1, "Capacity must be at least 1");
        Check(MinCapacity >= 1 && MinCapacity <= Capacity, "MinCapacity must be 1 to Capacity");
        Check(Shards >= 1 && Shards <= Capacity, "Shards must be 1 to Capacity");
        Check(WindowSeconds > 0, "WindowSeconds must be positive");
        Check(DecreaseFailureRate is > 0 and <= 1, "DecreaseFailureRate must be in (0, 1]");
        Check(DecreaseFactor is > 0 and < 1, "DecreaseFactor must be in (0, 1)");
        Check(DecreaseLatencyMs >= 0, "DecreaseLatencyMs must be 0 or more");
        Check(IncreaseStep > 0, "IncreaseStep must be positive");
        Check(MinSamples >= 1, "MinSamples must be at least 1");
        Check(BreakerFailureRate is > 0 and <= 1, "BreakerFailureRate must be in (0, 1]");
        Check(BreakerOpenSeconds > 0, "BreakerOpenSeconds must be positive");
        Check(HalfOpenProbes >= 1, "HalfOpenProbes must be at least 1");
        Check(SuccessesToClose >= 1, "SuccessesToClose must be at least 1");
        Check(HoldSeconds > 0, "HoldSeconds must be positive");
        problems.AddRange(Policy.Problems().Select(p => $"Pools:{name}:Policy:{p}"));
        return problems;
    }
}
