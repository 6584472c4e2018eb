using System.Globalization;
using ServerlessTasks.Domain.Pools;
using ServerlessTasks.Domain.Scheduling;

// Acceptance loads of issue 10 on the pool's own rules. Output: markdown tables on stdout.
var seeds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5;
var inv = CultureInfo.InvariantCulture;

Console.WriteLine("## Saturation: capacity 5, 200 regular (priority 5) + 20 VIP (priority 10) workflows of 3 pooled tasks, all submitted within 0.5 s; task 100 ms +-50%");
Console.WriteLine();
Console.WriteLine("| seed | policy | regular p50 / p95 / max wait (s) | VIP p50 / p95 / max wait (s) | VIP p95 / regular p95 | most later arrivals granted before a regular task (bound) |");
Console.WriteLine("|---|---|---|---|---|---|");
for (var seed = 1; seed <= seeds; seed++)
{
    foreach (var policy in new[] { new PriorityPolicySettings(), new PriorityPolicySettings { AgingDispatches = 4, AgingSeconds = 5 }, new PriorityPolicySettings { Name = "strict_priority", AgingDispatches = 0, AgingSeconds = 0 }, Fifo() })
    {
        var result = Saturation.Run(seed, policy);
        var bound = policy.Name == "strict_priority_aging" && policy.AgingDispatches > 0 ? ((10 - 5) * policy.AgingDispatches).ToString(inv) : "none";
        var label = policy.Name == "strict_priority_aging" && policy.AgingDispatches == 0 ? "fifo (baseline)"
            : policy.Name == "strict_priority_aging" ? string.Create(inv, $"aging {policy.AgingDispatches} grants / {policy.AgingSeconds} s") : policy.Name;
        Console.WriteLine(string.Create(inv,
            $"| {seed} | {label} | {result.Regular.P50:0.00} / {result.Regular.P95:0.00} / {result.Regular.Max:0.00} | {result.Vip.P50:0.00} / {result.Vip.P95:0.00} / {result.Vip.Max:0.00} | {result.Vip.P95 / result.Regular.P95:0.00} | {result.MaxPassedOver} ({bound}) |"));
    }
}

Console.WriteLine();
Console.WriteLine("## Failure adaptation: 600 single-task workflows over 60 s (10/s), attempt 200 ms, max_retries 8 (1 s doubling backoff);");
Console.WriteLine("## the dependency fails 80% of calls from 10 s to 70 s, then recovers. Pool capacity 20.");
Console.WriteLine();
Console.WriteLine("| seed | pool | attempts | completed | failed (retries spent) | breaker first open after outage start (s) | capacity at 20 s / 60 s / 75 s / 90 s / 120 s | back to >= 18 slots after recovery (s) | attempts ratio |");
Console.WriteLine("|---|---|---|---|---|---|---|---|---|");
for (var seed = 1; seed <= seeds; seed++)
{
    var fixedRun = Outage.Run(seed, adaptive: false);
    var adaptiveRun = Outage.Run(seed, adaptive: true);
    foreach (var (name, run) in new[] { ("fixed 20", fixedRun), ("adaptive", adaptiveRun) })
    {
        Console.WriteLine(string.Create(inv,
            $"| {seed} | {name} | {run.Attempts} | {run.Completed} | {run.Failed} | {(run.FirstOpen is { } o ? (o - 10).ToString("0.0", inv) : "never")} | {string.Join(" / ", run.CapacityAt)} | {(run.Recovered is { } r ? (r - 70).ToString("0.0", inv) : "-")} | {(double)run.Attempts / fixedRun.Attempts:0.00} |"));
    }
}

static PriorityPolicySettings Fifo() => new() { Name = "strict_priority_aging", AgingDispatches = 0, AgingSeconds = 0 };

/// <summary>Percentiles of a sample.</summary>
internal sealed record Stats(double P50, double P95, double Max)
{
    public static Stats Of(IReadOnlyCollection<double> values)
    {
        var sorted = values.Order().ToArray();
        double At(double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
        return new Stats(At(0.50), At(0.95), sorted[^1]);
    }
}

/// <summary>A discrete-event loop: actions at simulated times, in time order (ties in scheduling order).</summary>
internal sealed class Simulation
{
    private readonly PriorityQueue<Action, (double, long)> _events = new();
    private long _order;

    public double Now { get; private set; }

    public static readonly DateTimeOffset Epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public DateTimeOffset Clock => Epoch.AddSeconds(Now);

    public void At(double time, Action action) => _events.Enqueue(action, (Math.Max(time, Now), _order++));

    public void Run(double until = double.MaxValue)
    {
        while (_events.TryPeek(out _, out var when) && when.Item1 <= until)
        {
            var action = _events.Dequeue();
            Now = when.Item1;
            action();
        }

        Now = Math.Max(Now, Math.Min(until, double.MaxValue));
    }
}

internal static class Saturation
{
    public sealed record Result(Stats Regular, Stats Vip, int MaxPassedOver);

    public static Result Run(int seed, PriorityPolicySettings policy)
    {
        var random = new Random(seed);
        var fifo = policy.Name == "strict_priority_aging" && policy.AgingDispatches == 0 && policy.AgingSeconds == 0;
        var settings = new PoolSettings { Capacity = 5, Policy = fifo ? new PriorityPolicySettings { Name = "strict_priority" } : policy };
        var pool = new ResourcePool("gw#0", settings, new PoolState());
        var sim = new Simulation();
        var asked = new Dictionary<string, (double At, long Sequence, bool Vip)>();
        var granted = new List<(string Key, double At)>();
        var sequence = 0L;

        void Start(SlotRequest request)
        {
            granted.Add((request.Key, sim.Now));
            var service = 0.1 * (0.5 + random.NextDouble());
            sim.At(sim.Now + service, () =>
            {
                var grants = new List<SlotGrant>();
                pool.Release(new SlotRelease(request.Holder, request.TaskId, 1, SlotOutcome.Succeeded, service * 1000, sim.Clock), grants);
                foreach (var grant in grants)
                {
                    Start(Requests[grant.Holder + "|" + grant.TaskId]);
                }

                var step = int.Parse(request.TaskId[1..], CultureInfo.InvariantCulture);
                if (step < 2)
                {
                    Ask(request.Holder, step + 1, asked[request.Key].Vip);
                }
            });
        }

        void Ask(string workflow, int step, bool vip)
        {
            // FIFO baseline: every request at one priority, so arrival order alone decides.
            var request = new SlotRequest(workflow, $"t{step}", 1, fifo ? 5 : vip ? 10 : 5, null, sim.Clock);
            Requests[workflow + "|" + request.TaskId] = request;
            asked[request.Key] = (sim.Now, sequence++, vip);
            var grants = new List<SlotGrant>();
            if (pool.Acquire(request, grants).Granted)
            {
                Start(request);
            }

            foreach (var grant in grants)
            {
                Start(Requests[grant.Holder + "|" + grant.TaskId]);
            }
        }

        Requests.Clear();
        var workflows = Enumerable.Range(0, 220).Select(i => (Id: $"wf-{i}", Vip: i < 20)).OrderBy(_ => random.Next()).ToList();
        foreach (var (id, vip) in workflows)
        {
            sim.At(random.NextDouble() * 0.5, () => Ask(id, 0, vip));
        }

        sim.Run();
        var waits = granted.Select(g => (g.Key, Wait: g.At - asked[g.Key].At, asked[g.Key].Vip)).ToList();
        var order = granted.Select((g, index) => (g.Key, index)).ToDictionary(g => g.Key, g => g.index);
        var maxPassedOver = 0;
        foreach (var (key, _, vip) in waits.Where(w => !w.Vip))
        {
            var mine = asked[key].Sequence;
            var passed = granted.Take(order[key]).Count(g => asked[g.Key].Sequence > mine);
            maxPassedOver = Math.Max(maxPassedOver, passed);
        }

        return new Result(
            Stats.Of([.. waits.Where(w => !w.Vip).Select(w => w.Wait)]),
            Stats.Of([.. waits.Where(w => w.Vip).Select(w => w.Wait)]),
            maxPassedOver);
    }

    private static readonly Dictionary<string, SlotRequest> Requests = [];
}

internal static class Outage
{
    public sealed record Result(long Attempts, int Completed, int Failed, double? FirstOpen, IReadOnlyList<string> CapacityAt, double? Recovered);

    public static Result Run(int seed, bool adaptive)
    {
        var random = new Random(seed);
        var settings = adaptive
            ? new PoolSettings { Capacity = 20, BreakerOpenSeconds = 10, Policy = new PriorityPolicySettings { Name = "strict_priority" } }
            : new PoolSettings { Capacity = 20, DecreaseFailureRate = 1, BreakerFailureRate = 1, MinSamples = int.MaxValue, Policy = new PriorityPolicySettings { Name = "strict_priority" } };
        var pool = new ResourcePool("gw#0", settings, new PoolState());
        var sim = new Simulation();
        var backoff = RetryBackoff.Default;
        var requests = new Dictionary<string, SlotRequest>();
        long attempts = 0;
        int completed = 0, failed = 0;
        double? firstOpen = null, recovered = null;
        const int MaxRetries = 8;

        void Handle(List<SlotGrant> grants)
        {
            foreach (var grant in grants)
            {
                Start(requests[$"{grant.Holder}|{grant.TaskId}|{grant.Attempt}"]);
            }
        }

        void Observe()
        {
            if (firstOpen is null && pool.State.Breaker == BreakerState.Open)
            {
                firstOpen = sim.Now;
            }

            if (recovered is null && sim.Now > 70 && pool.State.Capacity >= 18)
            {
                recovered = sim.Now;
            }
        }

        void Start(SlotRequest request)
        {
            attempts++;
            var failing = sim.Now is >= 10 and < 70 && random.NextDouble() < 0.8;
            sim.At(sim.Now + 0.2, () =>
            {
                var grants = new List<SlotGrant>();
                pool.Release(new SlotRelease(request.Holder, request.TaskId, request.Attempt, failing ? SlotOutcome.Failed : SlotOutcome.Succeeded, 200, sim.Clock), grants);
                Observe();
                Handle(grants);
                if (!failing)
                {
                    completed++;
                }
                else if (request.Attempt > MaxRetries)
                {
                    failed++;
                }
                else
                {
                    var delay = backoff.GetDelay(request.Attempt, request.Holder, request.TaskId).TotalSeconds;
                    sim.At(sim.Now + delay, () => Ask(request.Holder, request.Attempt + 1));
                }
            });
        }

        void Ask(string workflow, int attempt)
        {
            var request = new SlotRequest(workflow, "pay", attempt, 5, null, sim.Clock);
            requests[request.Key] = request;
            var grants = new List<SlotGrant>();
            var reply = pool.Acquire(request, grants);
            Observe();
            if (reply.Granted)
            {
                Start(request);
            }
            else
            {
                // As PoolSlots does: wait for the grant, ask again after RetryAfterSeconds.
                sim.At(sim.Now + reply.RetryAfterSeconds, () =>
                {
                    if (!pool.State.Held.ContainsKey(request.Key) && pool.State.Waiting.Exists(w => w.Request.Key == request.Key))
                    {
                        Ask(workflow, attempt);
                    }
                });
            }

            Handle(grants);
        }

        for (var i = 0; i < 600; i++)
        {
            var id = $"wf-{i}";
            sim.At(i / 10.0, () => Ask(id, 1));
        }

        var capacities = new List<string>();
        foreach (var t in new[] { 20.0, 60, 75, 90, 120 })
        {
            sim.Run(until: t);
            capacities.Add(pool.State.Breaker == BreakerState.Closed
                ? pool.State.Capacity.ToString("0.0", CultureInfo.InvariantCulture)
                : string.Create(CultureInfo.InvariantCulture, $"{(pool.State.Breaker == BreakerState.Open ? "open" : "half-open")} ({pool.State.Capacity:0.0})"));
        }

        sim.Run();
        return new Result(attempts, completed, failed, firstOpen, capacities, recovered);
    }
}
