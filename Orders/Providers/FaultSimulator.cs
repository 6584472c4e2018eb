namespace ServerlessTasks.Orders.Providers;

/// <summary>
/// Plays a simulated provider's latency, failures and outages on the injected clock. Random draws come from one
/// seeded generator per simulator (under a lock: activities call in parallel).
/// </summary>
public sealed class FaultSimulator(string provider, FaultOptions options, TimeProvider time, int? seed)
{
    private readonly Random _random = seed is { } s ? new Random(s ^ provider.Aggregate(17, (h, c) => unchecked((h * 31) + c))) : new Random();
    private readonly Lock _gate = new();
    private long _calls;
    private long _failures;

    /// <summary>Calls made so far.</summary>
    public long Calls => Interlocked.Read(ref _calls);

    /// <summary>Calls failed so far (outages included).</summary>
    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>The clock the simulation runs on.</summary>
    public TimeProvider Time => time;

    /// <summary>Waits out one call's latency; throws <see cref="ProviderUnavailableException"/> in an outage; returns whether this call fails.</summary>
    public async Task<bool> CallAsync(CancellationToken cancellation)
    {
        Interlocked.Increment(ref _calls);
        double latency;
        bool fails;
        lock (_gate)
        {
            latency = options.LatencyMs + (_random.NextDouble() * options.LatencyJitterMs) + (_random.NextDouble() < options.SlowRate ? options.SlowMs : 0);
            fails = _random.NextDouble() < options.FailureRate;
        }

        if (latency > 0)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(latency), time, cancellation);
        }

        var now = time.GetUtcNow();
        if (options.Outages.Any(o => o.Covers(now)))
        {
            Interlocked.Increment(ref _failures);
            throw new ProviderUnavailableException($"{provider} is unavailable (outage)");
        }

        if (fails)
        {
            Interlocked.Increment(ref _failures);
        }

        return fails;
    }

    /// <summary>A draw in [0, 1).</summary>
    public double Next()
    {
        lock (_gate)
        {
            return _random.NextDouble();
        }
    }
}
