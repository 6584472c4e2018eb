using System.Diagnostics;
using System.Globalization;
using DurableBench;

// Progress on stderr, the markdown tables on stdout. Loopback only; every run bounded; the program stops by itself.
Options options;
try
{
    options = Options.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}

// Hosts built with Microsoft's defaults (the test host's sidecar and worker) log at Information to stdout: keep stdout for
// the tables.
Environment.SetEnvironmentVariable("Logging__LogLevel__Default", "Warning");
Environment.SetEnvironmentVariable("Logging__Console__LogToStandardErrorThreshold", "Trace");
var bench = Stopwatch.StartNew();
var report = new Report(options);
Console.Error.WriteLine($"DurableBench {DateTime.UtcNow:yyyy-MM-dd HH:mm}Z, {Environment.ProcessorCount} cores, load {Machine.LoadAverage()}, .NET {Environment.Version}");

bool TimeLeft(string what)
{
    if (bench.Elapsed < options.MaxTotal)
    {
        return true;
    }

    Console.Error.WriteLine($"skipped {what}: past --max-minutes {options.MaxTotal.TotalMinutes}");
    report.Skipped.Add(what);
    return false;
}

if (options.Includes("ours-sqlite") || options.Includes("raw"))
{
    await using var ours = await OurHostEngine.StartAsync("ours+sqlite", azureConnection: null);
    Console.Error.WriteLine($"[ours+sqlite] host pid {Environment.ProcessId}, worker pid {ours.WorkerProcessId}");
    await Scenarios.WarmUpAsync(ours);
    if (options.Includes("ours-sqlite"))
    {
        // Flat and nested fan-outs alternate which goes first, run by run, so both see the same warm-up and load.
        for (var run = 0; run < options.Runs && TimeLeft("ours+sqlite fan-out"); run++)
        {
            foreach (var nested in run % 2 == 0 ? new[] { false, true } : [true, false])
            {
                var result = nested
                    ? await ours.FanOutNestedAsync(options.FanOut, Scenarios.NewId("nested"), options.RunLimit)
                    : await ours.FanOutAsync(options.FanOut, Scenarios.NewId("fan"), options.RunLimit);
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"[ours+sqlite] fan-out {options.FanOut:N0}{(nested ? " as sub-orchestrations of 1,000" : string.Empty)} run {run + 1}: {(result.Completed ? "completed" : "NOT finished")} in {result.Seconds:F2} s, {result.ActivitiesPerSecond:N0} activities/s ({result.Detail}), load {Machine.LoadAverage()}"));
                if (nested)
                {
                    report.Nested.Add(result);
                }
                else
                {
                    report.Add(Column.OursSqlite, Workload.FanOut, options.FanOut, result);
                }
            }
        }

        await Scenarios.MeasureAsync(ours, Column.OursSqlite, options.FanOut, options.Chain, options.Latency, options.Runs, options.RunLimit, report, TimeLeft, fanOutRuns: 0);
        if (options.Linear && TimeLeft("linearity"))
        {
            await Scenarios.LinearAsync(ours, options.FanOut, options.Chain, options.Runs, options.RunLimit, report);
        }
    }

    if (options.Includes("raw") && TimeLeft("raw ceiling"))
    {
        foreach (var inFlight in new[] { 1, 64, 256 })
        {
            var count = inFlight == 1 ? Math.Min(options.RawCount, 2_000) : options.RawCount;
            await ours.RawAsync(Math.Min(count, 1_000), inFlight); // warm-up of this concurrency
            var raw = await ours.RawAsync(count, inFlight);
            Console.Error.WriteLine($"[raw] {inFlight} in flight: {raw.PerSecond:N0} invocations/s, p50 {raw.P50:F2} ms, p99 {raw.P99:F2} ms");
            report.Raw.Add((inFlight, count, raw.PerSecond, raw.P50, raw.P99));
        }
    }
}

if (options.Includes("testhost") && TimeLeft("testhost"))
{
    await using var testHost = new TestHostEngine();
    await Scenarios.MeasureAsync(testHost, Column.TestHost, options.FanOut, options.Chain, options.Latency, options.Runs, options.RunLimit, report, TimeLeft,
        fanOutRuns: 1, latencyLimit: TimeSpan.FromSeconds(60));
}

if (options.Azurite && (options.Includes("ours-azure") || options.Includes("dtfx-azure") || options.Includes("dtfx-azure-tuned")) && TimeLeft("azure storage"))
{
    using var azurite = await Azurite.StartAsync(options.AzuriteInMemory);
    Console.Error.WriteLine($"Azurite pid {azurite.ProcessId}{(options.AzuriteInMemory ? ", in memory" : ", on disk")}");
    if (options.Includes("ours-azure"))
    {
        await using var ours = await OurHostEngine.StartAsync("ours+azurestorage", azurite.ConnectionString);
        Console.Error.WriteLine($"[ours+azurestorage] worker pid {ours.WorkerProcessId}");
        await Scenarios.WarmUpAsync(ours, fanOut: 200, chainSteps: 20);
        await Scenarios.MeasureAsync(ours, Column.OursAzure, options.AzureFanOut, options.AzureChain, options.AzureLatency, options.AzureRuns, options.RunLimit, report, TimeLeft,
            azurite: azurite);
    }

    if (options.Includes("dtfx-azure-tuned") && TimeLeft("dtfx+azurestorage tuned"))
    {
        // The same settings as our host, in-process DTFx code: the difference to the column above is the worker hop.
        await using var tuned = new DtfxAzureStorageEngine(azurite.ConnectionString, tuned: true);
        await Scenarios.WarmUpAsync(tuned, fanOut: 200, chainSteps: 20);
        await Scenarios.MeasureAsync(tuned, Column.DtfxAzureTuned, options.AzureFanOut, options.AzureChain, options.AzureLatency, options.AzureRuns, options.RunLimit, report, TimeLeft,
            azurite: azurite);
    }

    if (options.Includes("dtfx-azure") && TimeLeft("dtfx+azurestorage"))
    {
        await using var dtfx = new DtfxAzureStorageEngine(azurite.ConnectionString, tuned: false);
        await Scenarios.MeasureAsync(dtfx, Column.DtfxAzure, options.AzureFanOut, options.AzureChain, options.AzureLatency, options.AzureRuns, options.RunLimit, report, TimeLeft,
            azurite: azurite);
    }
}

Console.Error.WriteLine($"done in {bench.Elapsed.TotalMinutes:F1} min, load {Machine.LoadAverage()}");
report.Print(Console.Out, bench.Elapsed);
return 0;

/// <summary>Facts about the machine printed beside the figures.</summary>
internal static class Machine
{
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

    /// <summary>A process's peak resident set (VmHWM) in MB, from /proc.</summary>
    public static double PeakRssMegabytes(int processId)
    {
        var path = $"/proc/{processId.ToString(CultureInfo.InvariantCulture)}/status";
        if (!File.Exists(path))
        {
            return double.NaN;
        }

        foreach (var line in File.ReadLines(path))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                return double.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024;
            }
        }

        return double.NaN;
    }
}
