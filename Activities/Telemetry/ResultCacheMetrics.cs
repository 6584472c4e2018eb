using System.Diagnostics.Metrics;

namespace ServerlessTasks.Activities.Telemetry;

/// <summary>
/// The result cache's instruments on the app's meter (<see cref="TaskTelemetry.Name"/>): lookups that hit and missed,
/// and the hit ratio of this process's lookups so far (observed; absent before the first lookup).
/// </summary>
public sealed class ResultCacheMetrics : IDisposable
{
    /// <summary>Lookups served from the cache.</summary>
    public const string Hits = "serverlesstasks.cache.hits";

    /// <summary>Lookups that found nothing (the task ran).</summary>
    public const string Misses = "serverlesstasks.cache.misses";

    /// <summary>Hits over lookups, 0 to 1.</summary>
    public const string HitRatio = "serverlesstasks.cache.hit_ratio";

    private readonly Meter _meter;
    private readonly Counter<long> _hits;
    private readonly Counter<long> _misses;
    private long _hitCount;
    private long _missCount;

    /// <summary>Creates the instruments.</summary>
    public ResultCacheMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _meter = meters.Create(TaskTelemetry.Name);
        _hits = _meter.CreateCounter<long>(Hits, description: "Task result cache lookups that hit.");
        _misses = _meter.CreateCounter<long>(Misses, description: "Task result cache lookups that missed.");
        _meter.CreateObservableGauge(HitRatio, ObserveRatio, description: "Task result cache hits over lookups in this process.");
    }

    /// <summary>Lookups that hit so far.</summary>
    public long HitCount => Interlocked.Read(ref _hitCount);

    /// <summary>Lookups that missed so far.</summary>
    public long MissCount => Interlocked.Read(ref _missCount);

    /// <summary>Counts one lookup.</summary>
    public void Record(bool hit)
    {
        if (hit)
        {
            Interlocked.Increment(ref _hitCount);
            _hits.Add(1);
        }
        else
        {
            Interlocked.Increment(ref _missCount);
            _misses.Add(1);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();

    private IEnumerable<Measurement<double>> ObserveRatio()
    {
        var (hits, misses) = (HitCount, MissCount);
        return hits + misses == 0 ? [] : [new Measurement<double>((double)hits / (hits + misses))];
    }
}
