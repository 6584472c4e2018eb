using System.Globalization;

namespace DurableBench;

/// <summary>Command-line options; every run is bounded by <see cref="RunLimit"/> and the whole program by <see cref="MaxTotal"/>.</summary>
internal sealed record Options
{
    public int Runs { get; init; } = 3;

    public int FanOut { get; init; } = 10_000;

    public int Chain { get; init; } = 1_000;

    public int Latency { get; init; } = 200;

    /// <summary>
    /// Fan-out size on Azure Storage (ours and DTFx's). The targets name 10,000, but at the 20-50 activities/s measured here
    /// that outlasts any bounded run, and an unfinished fan-out leaves thousands of activities running into the next scenario.
    /// </summary>
    public int AzureFanOut { get; init; } = 1_000;

    public int AzureChain { get; init; } = 1_000;

    public int AzureLatency { get; init; } = 200;

    public int AzureRuns { get; init; } = 1;

    /// <summary>Invocations per raw worker-protocol phase.</summary>
    public int RawCount { get; init; } = 20_000;

    public TimeSpan RunLimit { get; init; } = TimeSpan.FromSeconds(120);

    public TimeSpan MaxTotal { get; init; } = TimeSpan.FromMinutes(40);

    public bool Azurite { get; init; } = true;

    /// <summary>Azurite with <c>--inMemoryPersistence</c> (default: on disk in a temp folder, as a local user runs it).</summary>
    public bool AzuriteInMemory { get; init; }

    /// <summary>Which engines run (ours-sqlite, ours-azure, dtfx-azure-tuned, dtfx-azure, testhost, raw); all by default.</summary>
    public IReadOnlySet<string> Only { get; init; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Whether the 5,000 vs 10,000 (and 500 vs 1,000) linearity runs happen on our SQLite host.</summary>
    public bool Linear { get; init; } = true;

    public bool Includes(string engine) => Only.Count == 0 || Only.Contains(engine);

    public const string Usage = """
        dotnet run -c Release --project bench/DurableBench -- [options]
          --runs N              measured runs per SQLite scenario (default 3; medians reported)
          --azure-runs N        measured runs per Azure Storage scenario (default 1)
          --fanout N            fan-out size on SQLite and the in-memory test host (default 10000)
          --chain N             chain length on SQLite and the test host (default 1000)
          --latency N           sequential submissions for submit -> first activity (default 200)
          --azure-fanout N      fan-out size on Azurite (default 1000)
          --azure-chain N       chain length on Azurite (default 1000)
          --azure-latency N     sequential submissions on Azurite (default 200)
          --raw-count N         invocations per raw protocol phase (default 20000)
          --run-limit-s S       bound on each run (default 120); an unfinished run reports what it did
          --max-minutes M       bound on the whole program (default 40): later scenarios are skipped
          --no-azurite          skip every Azure Storage engine
          --azurite-in-memory   Azurite with --inMemoryPersistence (default: on disk)
          --no-linear           skip the 5,000 vs 10,000 linearity runs
          --only a,b            engines: ours-sqlite, ours-azure, dtfx-azure-tuned, dtfx-azure, testhost, raw
        """;

    public static Options Parse(string[] args)
    {
        var options = new Options();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.\n{Usage}");
            int Int() => int.Parse(Next(), CultureInfo.InvariantCulture);
            options = args[i] switch
            {
                "--runs" => options with { Runs = Int() },
                "--azure-runs" => options with { AzureRuns = Int() },
                "--fanout" => options with { FanOut = Int() },
                "--chain" => options with { Chain = Int() },
                "--latency" => options with { Latency = Int() },
                "--azure-fanout" => options with { AzureFanOut = Int() },
                "--azure-chain" => options with { AzureChain = Int() },
                "--azure-latency" => options with { AzureLatency = Int() },
                "--raw-count" => options with { RawCount = Int() },
                "--run-limit-s" => options with { RunLimit = TimeSpan.FromSeconds(Int()) },
                "--max-minutes" => options with { MaxTotal = TimeSpan.FromMinutes(Int()) },
                "--no-azurite" => options with { Azurite = false },
                "--azurite-in-memory" => options with { AzuriteInMemory = true },
                "--no-linear" => options with { Linear = false },
                "--only" => options with { Only = new HashSet<string>(Next().Split(','), StringComparer.OrdinalIgnoreCase) },
                "--help" or "help" or "-h" => throw new ArgumentException(Usage),
                var other => throw new ArgumentException($"Unknown option {other}.\n{Usage}"),
            };
        }

        return options;
    }
}
