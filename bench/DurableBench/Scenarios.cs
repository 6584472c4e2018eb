using System.Globalization;

namespace DurableBench;

/// <summary>The engines compared, one table column each.</summary>
internal enum Column
{
    OursSqlite,
    OursAzure,
    DtfxAzureTuned,
    DtfxAzure,
    TestHost,
}

/// <summary>The workloads, run the same way on every engine.</summary>
internal static class Scenarios
{
    private static int _id;

    public static string NewId(string what) => $"{what}-{Interlocked.Increment(ref _id).ToString(CultureInfo.InvariantCulture)}-{Guid.NewGuid().ToString("N")[..6]}";

    /// <summary>JIT and connection warm-up of the whole path (not recorded).</summary>
    public static async Task WarmUpAsync(IEngine engine, int fanOut = 2_000, int chainSteps = 200)
    {
        var fan = await engine.FanOutAsync(fanOut, NewId("warm-fan"), TimeSpan.FromSeconds(90));
        var chain = await engine.ChainAsync(chainSteps, NewId("warm-chain"), TimeSpan.FromSeconds(90));
        var latency = await engine.LatencyAsync(20, NewId("warm-lat"), TimeSpan.FromSeconds(30));
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"[{engine.Name}] warm-up: fan-out {fanOut:N0} {fan.Seconds:F2} s ({fan.Completed}), chain {chainSteps:N0} {chain.Seconds:F2} s ({chain.Completed}), {latency.Count} submissions"));
    }

    public static async Task MeasureAsync(
        IEngine engine,
        Column column,
        int fanOut,
        int chain,
        int latency,
        int runs,
        TimeSpan limit,
        Report report,
        Func<string, bool> timeLeft,
        int? fanOutRuns = null,
        TimeSpan? latencyLimit = null,
        Azurite? azurite = null)
    {
        for (var run = 0; run < (fanOutRuns ?? runs) && timeLeft($"{engine.Name} fan-out"); run++)
        {
            var result = await Measured(azurite, () => engine.FanOutAsync(fanOut, NewId("fan"), limit));
            Progress(engine, $"fan-out {fanOut:N0} run {run + 1}", result, $"{result.ActivitiesPerSecond:N0} activities/s");
            report.Add(column, Workload.FanOut, fanOut, result);
        }

        for (var run = 0; run < runs && timeLeft($"{engine.Name} chain"); run++)
        {
            var result = await Measured(azurite, () => engine.ChainAsync(chain, NewId("chain"), limit));
            Progress(engine, $"chain {chain:N0} run {run + 1}", result, $"{result.MillisecondsPerStep:F2} ms/step");
            report.Add(column, Workload.Chain, chain, result);
        }

        if (latency > 0 && timeLeft($"{engine.Name} latency"))
        {
            var results = await engine.LatencyAsync(latency, NewId("lat"), latencyLimit ?? limit);
            var sorted = results.Select(r => r.Milliseconds).Order().ToArray();
            var accepted = results.Select(r => r.AcceptedMilliseconds).Order().ToArray();
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"[{engine.Name}] submit -> first activity, {sorted.Length} sequential: p50 {Stats.Percentile(sorted, 0.5):F2} ms, p99 {Stats.Percentile(sorted, 0.99):F2} ms, max {sorted.LastOrDefault():F1} ms; submit accepted p50 {Stats.Percentile(accepted, 0.5):F2} ms"));
            report.Latencies[column] = (sorted, accepted, latency);
        }
    }

    /// <summary>5,000 vs 10,000 (and chain 500 vs 1,000) alternating which goes first, on one engine.</summary>
    public static async Task LinearAsync(IEngine engine, int fanOut, int chain, int runs, TimeSpan limit, Report report)
    {
        for (var run = 0; run < runs; run++)
        {
            foreach (var n in run % 2 == 0 ? new[] { fanOut / 2, fanOut } : [fanOut, fanOut / 2])
            {
                var result = await engine.FanOutAsync(n, NewId("lin-fan"), limit);
                Progress(engine, $"linearity fan-out {n:N0} run {run + 1}", result, $"{result.ActivitiesPerSecond:N0} activities/s");
                report.Linear.Add((Workload.FanOut, n, result));
            }

            foreach (var n in run % 2 == 0 ? new[] { chain / 2, chain } : [chain, chain / 2])
            {
                var result = await engine.ChainAsync(n, NewId("lin-chain"), limit);
                Progress(engine, $"linearity chain {n:N0} run {run + 1}", result, $"{result.MillisecondsPerStep:F2} ms/step");
                report.Linear.Add((Workload.Chain, n, result));
            }
        }
    }

    private static async Task<RunResult> Measured(Azurite? azurite, Func<Task<RunResult>> run)
    {
        var before = azurite?.Cpu ?? TimeSpan.Zero;
        var result = await run();
        return azurite is null ? result : result with { Detail = string.Create(CultureInfo.InvariantCulture, $"{result.Detail}, azurite {(azurite.Cpu - before).TotalSeconds:F1} s") };
    }

    private static void Progress(IEngine engine, string what, RunResult result, string figure) =>
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"[{engine.Name}] {what}: {(result.Completed ? "completed" : "NOT finished")} in {result.Seconds:F2} s, {figure} ({result.Detail}), load {Machine.LoadAverage()}"));
}

internal enum Workload
{
    FanOut,
    Chain,
}
