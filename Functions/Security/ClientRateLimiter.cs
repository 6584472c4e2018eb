using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace ServerlessTasks.Functions.Security;

/// <summary>
/// One token bucket per client (System.Threading.RateLimiting), no queueing: a request over the limit is refused at
/// once with the time until the next token. Buckets of idle clients are dropped by the partitioned limiter itself.
/// </summary>
public sealed class ClientRateLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string>? _limiter;

    /// <summary>Creates the limiter from the options (none when they are off).</summary>
    public ClientRateLimiter(IOptions<RateLimitOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var settings = options.Value;
        if (settings.RequestsPerSecond is not { } rate)
        {
            return;
        }

        // One token every 1/rate seconds (at least 1 ms), so a fractional or high rate stays smooth.
        var period = TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond, (long)(TimeSpan.TicksPerSecond / rate)));
        var bucket = new TokenBucketRateLimiterOptions
        {
            TokenLimit = settings.EffectiveBurst,
            TokensPerPeriod = 1,
            ReplenishmentPeriod = period,
            QueueLimit = 0,
            AutoReplenishment = true,
        };
        _limiter = PartitionedRateLimiter.Create<string, string>(client => RateLimitPartition.GetTokenBucketLimiter(client, _ => bucket), StringComparer.Ordinal);
    }

    /// <summary>Whether requests are limited.</summary>
    public bool Enabled => _limiter is not null;

    /// <summary>Takes one request from <paramref name="client"/>'s bucket: null when allowed, else how long to wait.</summary>
    public TimeSpan? TryAcquire(string client)
    {
        if (_limiter is null)
        {
            return null;
        }

        using var lease = _limiter.AttemptAcquire(client);
        if (lease.IsAcquired)
        {
            return null;
        }

        return lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(1);
    }

    /// <inheritdoc />
    public void Dispose() => _limiter?.Dispose();
}
