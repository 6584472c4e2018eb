using LocalRuntime.Bench;
namespace LoadGen;

/// <summary>
/// One engine workload and the raw baseline doing the same work. <see cref="Units"/> is what rates are
/// counted in (activities, steps, orchestrations).
/// </summary>
internal sealed record Scenario(
    string Name,
    StoreKind? Store,
    int Units,
    string UnitName,
    Func<EngineRig?, Task> Engine,
    Func<Task> Raw,
    string Target)
{
    /// <summary>Groups scenarios whose times are compared for linear scaling (same shape, N and 2N).</summary>
    public string? ScalingGroup { get; init; }

    /// <summary>Checks the measured medians against the target; null when there is no hard figure.</summary>
    public Func<Result, bool>? Meets { get; init; }
}

/// <summary>Medians of the measured runs of one scenario.</summary>
internal sealed record Result(Scenario Scenario, IReadOnlyList<Sample> Engine, IReadOnlyList<Sample> Raw)
{
    public TimeSpan EngineMedian => Median(Engine.Select(s => s.Elapsed.Ticks));

    public TimeSpan RawMedian => Median(Raw.Select(s => s.Elapsed.Ticks));

    public double Ratio => EngineMedian.Ticks / (double)Math.Max(1, RawMedian.Ticks);

    public double EngineRate => Scenario.Units / EngineMedian.TotalSeconds;

    public double RawRate => Scenario.Units / RawMedian.TotalSeconds;

    public double MicrosecondsPerUnit => EngineMedian.TotalMicroseconds / Scenario.Units;

    public long EnginePeakHeap => (long)MedianOf(Engine.Select(s => (double)s.PeakHeapBytes));

    public long RawPeakHeap => (long)MedianOf(Raw.Select(s => (double)s.PeakHeapBytes));

    public double AllocatedPerUnit => MedianOf(Engine.Select(s => (double)s.AllocatedBytes)) / Scenario.Units;

    public (TimeSpan Min, TimeSpan Max) EngineSpread => (Engine.Min(s => s.Elapsed), Engine.Max(s => s.Elapsed));

    private static TimeSpan Median(IEnumerable<long> ticks) => TimeSpan.FromTicks((long)MedianOf(ticks.Select(t => (double)t)));

    private static double MedianOf(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
