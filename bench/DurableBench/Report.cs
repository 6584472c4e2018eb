using System.Globalization;

namespace DurableBench;

/// <summary>Collects every run and prints the markdown tables.</summary>
internal sealed class Report(Options options)
{
    private readonly Dictionary<(Column, Workload), (int N, List<RunResult> Runs)> _runs = [];

    public Dictionary<Column, (double[] Sorted, double[] Accepted, int Asked)> Latencies { get; } = [];

    public List<(int InFlight, int Count, double PerSecond, double P50, double P99)> Raw { get; } = [];

    public List<(Workload Workload, int N, RunResult Result)> Linear { get; } = [];

    public List<string> Skipped { get; } = [];

    /// <summary>Our SQLite host's fan-out split into sub-orchestrations of 1,000 (FanOutNested).</summary>
    public List<RunResult> Nested { get; } = [];

    public void Add(Column column, Workload workload, int n, RunResult result)
    {
        if (!_runs.TryGetValue((column, workload), out var entry))
        {
            entry = (n, []);
            _runs[(column, workload)] = entry;
        }

        entry.Runs.Add(result);
    }

    public void Print(TextWriter output, TimeSpan elapsed)
    {
        Column[] columns = [Column.OursSqlite, Column.OursAzure, Column.DtfxAzureTuned, Column.DtfxAzure, Column.TestHost];
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"DurableBench {DateTime.UtcNow:yyyy-MM-dd HH:mm}Z, {Environment.ProcessorCount} cores, load average at the end {Machine.LoadAverage()}, {elapsed.TotalMinutes:F1} min"));
        output.WriteLine();
        output.WriteLine("| workload | target | our host + real worker, SQLite | our host + real worker, Azure Storage (Azurite) | DTFx + Azure Storage (Azurite), tuned as our host, in-process | DTFx + Azure Storage (Azurite), defaults, in-process | DurableTaskTestHost 0.2.3-preview.1 as shipped |");
        output.WriteLine("|---|---|---|---|---|---|---|");
        output.WriteLine($"| fan-out (activities/s; N per column) | SQLite >= 5,000/s, Azurite >= 200/s (N = 10,000) | {string.Join(" | ", columns.Select(c => Cell(c, Workload.FanOut)))} |");
        if (Nested.Count > 0)
        {
            output.WriteLine($"| fan-out as sub-orchestrations of 1,000 (activities/s) | (same work, smaller histories) | {Stats.Cell(Nested, r => r.ActivitiesPerSecond, "N0")} [N={Nested[0].Total:N0}] | not run | not run | not run | not run |");
        }

        output.WriteLine($"| chain (ms/step; N per column) | SQLite <= 2 ms, Azurite <= 30 ms (N = 1,000) | {string.Join(" | ", columns.Select(c => Cell(c, Workload.Chain)))} |");
        output.WriteLine($"| submit -> first activity start, p50 (ms) | SQLite <= 10, Azurite <= 100 | {string.Join(" | ", columns.Select(c => LatencyCell(c, 0.50)))} |");
        output.WriteLine($"| submit -> first activity start, p99 (ms) | SQLite <= 50, Azurite <= 1,000 | {string.Join(" | ", columns.Select(c => LatencyCell(c, 0.99)))} |");
        output.WriteLine($"| submit call returned, p50 (ms) (ours: HTTP 202 from the app's starter; others: client call) | | {string.Join(" | ", columns.Select(AcceptedCell))} |");
        output.WriteLine();
        if (Raw.Count > 0)
        {
            output.WriteLine("Raw worker-protocol ceiling (same run, same host and worker as the SQLite column): DurableTestApp's `Work` activity invoked through `IFunctionsHost.InvokeAsync`, no DTFx, no store.");
            output.WriteLine();
            output.WriteLine("| in flight | invocations | invocations/s | p50 ms | p99 ms |");
            output.WriteLine("|---|---|---|---|---|");
            foreach (var (inFlight, count, perSecond, p50, p99) in Raw)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {inFlight} | {count:N0} | {perSecond:N0} | {p50:F2} | {p99:F2} |"));
            }

            output.WriteLine();
        }

        if (Linear.Count > 0)
        {
            output.WriteLine("Doubling the work (our host + SQLite, same run, sizes alternated run by run): target ratio 1.6-2.4.");
            output.WriteLine();
            output.WriteLine("| workload | N | time at N (median) | time at 2N (median) | ratio | within 20% |");
            output.WriteLine("|---|---|---|---|---|---|");
            foreach (var workload in new[] { Workload.FanOut, Workload.Chain })
            {
                var sizes = Linear.Where(l => l.Workload == workload).Select(l => l.N).Distinct().Order().ToArray();
                if (sizes.Length != 2)
                {
                    continue;
                }

                var small = Stats.Median(Linear.Where(l => l.Workload == workload && l.N == sizes[0]).Select(l => l.Result.Seconds));
                var large = Stats.Median(Linear.Where(l => l.Workload == workload && l.N == sizes[1]).Select(l => l.Result.Seconds));
                var ratio = large / small;
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {(workload == Workload.FanOut ? "fan-out" : "chain")} | {sizes[0]:N0} -> {sizes[1]:N0} | {small:F2} s | {large:F2} s | {ratio:F2} | {(ratio is >= 1.6 and <= 2.4 ? "yes" : "no")} |"));
            }

            output.WriteLine();
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Runs: SQLite and test host {options.Runs} per scenario (test host fan-out: 1), Azure Storage {options.AzureRuns}; each run bounded by {options.RunLimit.TotalSeconds:F0} s (an unfinished run reports what ran in that time)."));
        if (Skipped.Count > 0)
        {
            output.WriteLine($"Skipped (time bound): {string.Join(", ", Skipped)}.");
        }
    }

    private string Cell(Column column, Workload workload)
    {
        if (!_runs.TryGetValue((column, workload), out var entry))
        {
            return "not run";
        }

        var figure = workload == Workload.FanOut
            ? Stats.Cell(entry.Runs, r => r.ActivitiesPerSecond, "N0")
            : Stats.Cell(entry.Runs, r => r.MillisecondsPerStep, "F2");
        return string.Create(CultureInfo.InvariantCulture, $"{figure} [N={entry.N:N0}]");
    }

    private string LatencyCell(Column column, double p) =>
        Latencies.TryGetValue(column, out var l)
            ? string.Create(CultureInfo.InvariantCulture, $"{Stats.Percentile(l.Sorted, p):F1}{(p >= 0.99 ? $" (max {l.Sorted.LastOrDefault():F0}; {l.Sorted.Length} of {l.Asked} submissions)" : string.Empty)}")
            : "not run";

    private string AcceptedCell(Column column) =>
        Latencies.TryGetValue(column, out var l) ? Stats.Format(Stats.Percentile(l.Accepted, 0.5), "F1") : "not run";
}
