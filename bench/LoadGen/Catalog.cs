using LocalRuntime.Bench;
namespace LoadGen;

/// <summary>The scenarios LoadGen runs, with the targets from PERFORMANCE.md.</summary>
internal static class Catalog
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(120);

    public static List<Scenario> Build(Options options)
    {
        // Members of a scaling group (same shape, N and 2N) are listed together and measured round-robin.
        var all = new List<Scenario>();
        if (!options.Quick)
        {
            all.Add(FanOut(StoreKind.Memory, 5_000, "scaling", null));
        }

        all.Add(FanOut(StoreKind.Memory, 10_000, ">= 50,000/s, <= 1 s, <= 50 MB", r => r.EngineRate >= 50_000 && r.EngineMedian.TotalSeconds <= 1 && r.EnginePeakHeap <= 50L << 20));
        if (!options.Quick)
        {
            all.Add(FanOut(StoreKind.Memory, 20_000, "scaling", null));
        }

        all.Add(FanOut(StoreKind.Sqlite, 10_000, ">= 5,000/s", r => r.EngineRate >= 5_000));
        if (!options.Quick)
        {
            all.Add(FanOut(StoreKind.Sqlite, 20_000, "scaling", null));
        }

        all.Add(Sequence(StoreKind.Memory, 1_000, "<= 50 us/step", r => r.MicrosecondsPerUnit <= 50));
        if (!options.Quick)
        {
            all.Add(Sequence(StoreKind.Memory, 2_000, "scaling", null));
            all.Add(Sequence(StoreKind.Memory, 4_000, "scaling", null));
        }

        all.Add(Sequence(StoreKind.Sqlite, 1_000, ">= 1,500 steps/s", r => r.EngineRate >= 1_500));
        if (!options.Quick)
        {
            all.Add(Sequence(StoreKind.Sqlite, 2_000, "scaling", null));
        }

        all.Add(Chains(StoreKind.Memory, 1_000, 5));
        all.Add(Chains(StoreKind.Sqlite, 1_000, 5));

        if (options.Http is { } baseUrl)
        {
            all.Add(HttpWorkflow.Scenario(baseUrl, 1_000));
        }

        return options.Only is { } only
            ? [.. all.Where(s => s.Name.Contains(only, StringComparison.OrdinalIgnoreCase) || (s.Store?.ToString() ?? "http").Contains(only, StringComparison.OrdinalIgnoreCase))]
            : all;
    }

    private static Scenario FanOut(StoreKind store, int n, string target, Func<Result, bool>? meets) => new(
        $"fan-out {n:N0} activities",
        store,
        n,
        "activities",
        rig => rig!.RunAsync(EngineRig.FanOut, n, RunTimeout),
        () => Baselines.FanOutAsync(n),
        target)
    {
        ScalingGroup = $"fan-out ({store.ToString().ToLowerInvariant()})",
        Meets = meets,
    };

    private static Scenario Sequence(StoreKind store, int n, string target, Func<Result, bool>? meets) => new(
        $"sequential {n:N0} steps",
        store,
        n,
        "steps",
        rig => rig!.RunAsync(EngineRig.Sequence, n, RunTimeout),
        () => Baselines.SequenceAsync(n),
        target)
    {
        ScalingGroup = $"sequential ({store.ToString().ToLowerInvariant()})",
        Meets = meets,
    };

    private static Scenario Chains(StoreKind store, int orchestrations, int steps) => new(
        $"{orchestrations:N0} orchestrations x {steps} steps",
        store,
        orchestrations,
        "orchestrations",
        async rig =>
        {
            var ids = new string[orchestrations];
            for (var i = 0; i < orchestrations; i++)
            {
                ids[i] = await rig!.ScheduleAsync(EngineRig.Sequence, steps);
            }

            foreach (var id in ids)
            {
                await rig!.WaitAsync(id, RunTimeout);
            }
        },
        () => Baselines.ChainsAsync(orchestrations, steps),
        "— (peers: 293-330 orch/s)");
}
