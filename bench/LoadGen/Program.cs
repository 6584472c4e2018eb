using LocalRuntime.Bench;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using LoadGen;

// LoadGen: end-to-end throughput of the local Durable engine in this process (in-memory and SQLite
// stores), each figure beside plain async code doing the same work in the same run.
//   dotnet run -c Release --project bench/LoadGen -- [--runs 5] [--warmup 1] [--only text]
//        [--quick] [--max-seconds 600] [--out results.md] [--http http://localhost:7071]
// Bounded: a fixed number of runs per scenario, a timeout per run and a deadline for the whole
// command; whatever is measured when the deadline passes is printed.
var options = Options.Parse(args);
var scenarios = Catalog.Build(options);
var deadline = Stopwatch.StartNew();
var results = new List<Result>();
var skipped = new List<string>();

Console.Error.WriteLine($"LoadGen: {scenarios.Count} scenarios, {options.Warmup} warm-up + {options.Runs} measured runs each, " +
    $"{Environment.ProcessorCount} cores, GC server={System.Runtime.GCSettings.IsServerGC}, deadline {options.MaxSeconds} s.");

// One unmeasured pass over everything first, so tiered JIT has optimised the engine's hot paths
// before any scenario is measured (otherwise whichever runs first looks slow).
Console.Error.WriteLine("Warm-up pass over all scenarios...");
foreach (var scenario in scenarios)
{
    await using var rig = scenario.Store is { } kind ? await EngineRig.StartAsync(kind) : null;
    await scenario.Raw();
    await scenario.Engine(rig);
}

// Scenarios of one scaling group (the same shape at N, 2N, ...) are measured round-robin, run by
// run, so the time ratios between sizes are taken side by side under the same machine load.
var groups = scenarios.GroupBy(s => s.ScalingGroup ?? s.Name + "/" + s.Store).ToList();
var done = 0;
foreach (var group in groups)
{
    var members = group.ToList();
    if (deadline.Elapsed.TotalSeconds > options.MaxSeconds)
    {
        skipped.AddRange(members.Select(m => $"{m.Name} (deadline reached)"));
        continue;
    }

    var label = $"[{done + 1}-{done + members.Count}/{scenarios.Count}]";
    done += members.Count;
    try
    {
        results.AddRange(await RunGroupAsync(members, label));
    }
    catch (Exception ex)
    {
        Console.Error.WriteLine($"{label}: FAILED {ex.GetType().Name}: {ex.Message}");
        skipped.AddRange(members.Select(m => $"{m.Name} (failed: {ex.Message})"));
    }
}

var report = Report.Render(results, skipped, options);
Console.WriteLine(report);
if (options.Out is { } path)
{
    await File.WriteAllTextAsync(path, report);
    Console.Error.WriteLine($"Written to {path}.");
}

return skipped.Count == 0 ? 0 : 1;

async Task<List<Result>> RunGroupAsync(List<Scenario> group, string label)
{
    var engine = group.Select(_ => new List<Sample>()).ToList();
    var raw = group.Select(_ => new List<Sample>()).ToList();
    for (var run = -options.Warmup; run < options.Runs; run++)
    {
        for (var i = 0; i < group.Count; i++)
        {
            // A fresh engine and store per run (started outside the measurement), so the heap and the
            // store hold only this run's work. Raw and engine runs alternate so noise lands on both alike.
            var scenario = group[i];
            await using var rig = scenario.Store is { } kind ? await EngineRig.StartAsync(kind) : null;
            var r = await Harness.MeasureAsync(scenario.Raw);
            var e = await Harness.MeasureAsync(() => scenario.Engine(rig));
            var phase = run < 0 ? "warm-up" : $"run {run + 1}/{options.Runs}";
            Console.Error.WriteLine($"{label} {scenario.Name} ({scenario.Store?.ToString().ToLowerInvariant() ?? "http"}): {phase} engine {Format.Ms(e.Elapsed)}, raw {Format.Ms(r.Elapsed)}, peak heap {Format.Mb(e.PeakHeapBytes)}");
            if (run >= 0)
            {
                engine[i].Add(e);
                raw[i].Add(r);
            }
        }
    }

    return [.. group.Select((scenario, i) => new Result(scenario, engine[i], raw[i]))];
}

/// <summary>Command-line options.</summary>
internal sealed record Options(int Runs, int Warmup, string? Only, bool Quick, int MaxSeconds, string? Out, Uri? Http)
{
    public static Options Parse(string[] args)
    {
        var o = new Options(5, 1, null, false, 600, null, null);
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            o = args[i] switch
            {
                "--runs" => o with { Runs = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--warmup" => o with { Warmup = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--only" => o with { Only = Next() },
                "--quick" => o with { Quick = true, Runs = 3 },
                "--max-seconds" => o with { MaxSeconds = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--out" => o with { Out = Next() },
                "--http" => o with { Http = new Uri(Next()) },
                _ => throw new ArgumentException($"Unknown option {args[i]}"),
            };
        }

        return o;
    }
}

/// <summary>Number formatting for the table.</summary>
internal static class Format
{
    public static string Ms(TimeSpan t) => t.TotalMilliseconds.ToString(t.TotalMilliseconds < 10 ? "0.00" : "0", CultureInfo.InvariantCulture) + " ms";

    public static string Mb(long bytes) => (bytes / (1024.0 * 1024.0)).ToString("0.0", CultureInfo.InvariantCulture) + " MB";

    public static string Rate(double perSecond) => perSecond.ToString("N0", CultureInfo.InvariantCulture);

    public static string Num(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}

/// <summary>The markdown report.</summary>
internal static class Report
{
    public static string Render(List<Result> results, List<string> skipped, Options options)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"LoadGen — medians of {options.Runs} runs after {options.Warmup} warm-up; {Environment.ProcessorCount} cores; .NET {Environment.Version}; ratio = engine / raw (same run, alternating).");
        text.AppendLine();
        text.AppendLine("| scenario | store | engine median (min-max) | raw median | x raw | engine rate | raw rate | us/unit | peak heap engine / raw | alloc/unit | target | met |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var r in results)
        {
            var s = r.Scenario;
            var (min, max) = r.EngineSpread;
            var met = s.Meets is null ? "—" : s.Meets(r) ? "yes" : "**no**";
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {s.Name} | {(s.Store?.ToString() ?? "http").ToLowerInvariant()} | {Format.Ms(r.EngineMedian)} ({Format.Ms(min)}-{Format.Ms(max)}) | {Format.Ms(r.RawMedian)} | " +
                $"{Format.Num(r.Ratio, "0.0")} | {Format.Rate(r.EngineRate)} {s.UnitName}/s | {Format.Rate(r.RawRate)}/s | {Format.Num(r.MicrosecondsPerUnit, "0.0")} | " +
                $"{Format.Mb(r.EnginePeakHeap)} / {Format.Mb(r.RawPeakHeap)} | {Format.Num(r.AllocatedPerUnit / 1024, "0.00")} KB | {s.Target} | {met} |");
        }

        var groups = results.Where(r => r.Scenario.ScalingGroup is not null).GroupBy(r => r.Scenario.ScalingGroup!).ToList();
        if (groups.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("Linear scaling (target: doubling the work doubles the time within 20%, i.e. 1.6x-2.4x):");
            text.AppendLine();
            text.AppendLine("| shape | N -> 2N | engine time ratio | raw time ratio | met |");
            text.AppendLine("|---|---|---|---|---|");
            foreach (var group in groups)
            {
                var ordered = group.OrderBy(r => r.Scenario.Units).ToList();
                for (var i = 1; i < ordered.Count; i++)
                {
                    var small = ordered[i - 1];
                    var large = ordered[i];
                    var engineRatio = large.EngineMedian / small.EngineMedian;
                    var rawRatio = large.RawMedian / small.RawMedian;
                    var unitsRatio = large.Scenario.Units / (double)small.Scenario.Units;
                    var met = Math.Abs((engineRatio / unitsRatio) - 1) <= 0.2 ? "yes" : "**no**";
                    text.AppendLine(CultureInfo.InvariantCulture,
                        $"| {group.Key} | {small.Scenario.Units:N0} -> {large.Scenario.Units:N0} | {Format.Num(engineRatio, "0.00")} | {Format.Num(rawRatio, "0.00")} | {met} |");
                }
            }
        }

        if (skipped.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("Not measured: " + string.Join("; ", skipped));
        }

        return text.ToString();
    }
}
