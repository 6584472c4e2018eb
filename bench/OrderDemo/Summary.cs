using System.Globalization;
using System.Text;
using System.Text.Json;
using Spectre.Console;

namespace OrderDemo;

/// <summary>The run in numbers: outcomes, latency per tier, retries, the gateway's ledger, and the invariants checked.</summary>
internal sealed record Summary
{
    private static readonly JsonSerializerOptions FileJson = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, IncludeFields = true };

    public int Submitted { get; init; }

    public int Accepted { get; init; }

    public int Refused { get; init; }

    public int Completed { get; init; }

    public int Compensated { get; init; }

    public int Failed { get; init; }

    public int Lost { get; init; }

    public double SubmissionSeconds { get; init; }

    public double RunSeconds { get; init; }

    public double OrdersPerSecond { get; init; }

    public required TierLatency Vip { get; init; }

    public required TierLatency Regular { get; init; }

    public double? VipToRegularP95 { get; init; }

    public int Retries { get; init; }

    public int ResubmittedOrders { get; init; }

    public int CallbacksReceived { get; init; }

    public double? BreakerOpenings { get; init; }

    public int? LedgerCharges { get; init; }

    public int? LedgerChargedOrders { get; init; }

    public int? OrdersChargedTwice { get; init; }

    public int? IdempotentReplays { get; init; }

    public int? LedgerRefunds { get; init; }

    public long? GatewayCalls { get; init; }

    public long? GatewayFailures { get; init; }

    public int UnrefundedUnfinishedCharges { get; init; }

    public int RefundedCompletedOrders { get; init; }

    public int? NetChargedOrdersMinusCompleted { get; init; }

    public IReadOnlyList<(double From, double To)> HostDown { get; init; } = [];

    /// <summary>CPU seconds of the host from submission start (restarts added); null for a service not started here.</summary>
    public double? CpuHostSeconds { get; init; }

    /// <summary>CPU seconds of the worker(s), likewise.</summary>
    public double? CpuWorkerSeconds { get; init; }

    /// <summary>The lowest 1-minute load average sampled during the run.</summary>
    public double? LoadMin { get; init; }

    /// <summary>The highest.</summary>
    public double? LoadMax { get; init; }

    public bool InvariantsHold => Lost == 0 && OrdersChargedTwice is null or 0 && UnrefundedUnfinishedCharges == 0 && RefundedCompletedOrders == 0 && NetChargedOrdersMinusCompleted is null or 0;

    public static Summary Of(IReadOnlyList<OrderRecord> orders, JsonElement? ledger, JsonElement? pools, DemoOptions options, double submissionSeconds, IReadOnlyList<(double From, double To)> hostDown)
    {
        var accepted = orders.Where(o => o.Accepted != 0).ToList();
        var final = accepted.Where(o => o.IsFinal).ToList();
        var completed = final.Count(o => o.Status == "completed");
        var start = accepted.Where(o => o.AcceptedAt is not null).Select(o => o.AcceptedAt!.Value).DefaultIfEmpty().Min();
        var end = final.Where(o => o.FinishedAt is not null).Select(o => o.FinishedAt!.Value).DefaultIfEmpty().Max();
        var seconds = Math.Max(0.001, (end - start).TotalSeconds);
        var vip = TierLatency.Of(final.Where(o => o.Vip));
        var regular = TierLatency.Of(final.Where(o => !o.Vip));
        int? Int(string name) => ledger is { } l && l.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : null;
        long? Long(string name) => ledger is { } l && l.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : null;
        var fresh = options.Url is null; // the ledger holds this run's orders only
        return new Summary
        {
            Submitted = orders.Count,
            Accepted = accepted.Count,
            Refused = orders.Count(o => o.Refused is not null),
            Completed = completed,
            Compensated = final.Count(o => o.Status == "compensated"),
            Failed = final.Count(o => o.Status == "failed"),
            Lost = accepted.Count - final.Count,
            SubmissionSeconds = submissionSeconds,
            RunSeconds = seconds,
            OrdersPerSecond = final.Count / seconds,
            Vip = vip,
            Regular = regular,
            VipToRegularP95 = vip.P95 is { } v95 && regular.P95 is { } r95 && r95 > 0 ? v95 / r95 : null,
            Retries = final.Sum(o => o.Retries),
            ResubmittedOrders = orders.Count(o => o.SubmitAttempts > 1),
            CallbacksReceived = orders.Count(o => o.CallbackAt is not null),
            BreakerOpenings = pools is { } p ? SumOpenings(p) : null,
            LedgerCharges = Int("charges"),
            LedgerChargedOrders = Int("charged_orders"),
            OrdersChargedTwice = Int("orders_charged_twice"),
            IdempotentReplays = Int("idempotent_replays"),
            LedgerRefunds = Int("refunds"),
            GatewayCalls = Long("gateway_calls"),
            GatewayFailures = Long("gateway_failures"),
            UnrefundedUnfinishedCharges = final.Count(o => o.Status != "completed" && o.ChargeId is not null && o.RefundId is null),
            RefundedCompletedOrders = final.Count(o => o.Status == "completed" && o.RefundId is not null),
            NetChargedOrdersMinusCompleted = fresh && Int("charged_orders") is { } charged && Int("refunds") is { } refunds ? charged - refunds - completed : null,
            HostDown = hostDown,
        };
    }

    public void Print()
    {
        string Ms(double? value) => value is { } v ? string.Create(CultureInfo.InvariantCulture, $"{v:N0} ms") : "-";
        string N(double? value) => value is { } v ? v.ToString("N0", CultureInfo.InvariantCulture) : "n/a";
        var outcomes = new Table().Title("[bold]Orders[/]").AddColumns("", "count");
        outcomes.AddRow("submitted", N(Submitted));
        outcomes.AddRow("accepted", N(Accepted));
        outcomes.AddRow("[green]completed[/]", N(Completed));
        outcomes.AddRow("[yellow]compensated[/] (refunded / stock released)", N(Compensated));
        outcomes.AddRow("[red]failed[/] (nothing charged)", N(Failed));
        outcomes.AddRow(Lost == 0 ? "lost" : "[red bold]lost[/]", N(Lost));
        outcomes.AddRow("refused (4xx)", N(Refused));
        outcomes.AddRow("throughput", string.Create(CultureInfo.InvariantCulture, $"{OrdersPerSecond:N1} orders/s ({RunSeconds:N1} s first accepted -> last finished)"));
        outcomes.AddRow("retries (all steps)", N(Retries));
        outcomes.AddRow("orders resubmitted (host down / 5xx)", N(ResubmittedOrders));
        outcomes.AddRow("completion callbacks received", N(CallbacksReceived));
        outcomes.AddRow("breaker openings (payment-gateway pool)", BreakerOpenings is null ? "n/a (no pool)" : N(BreakerOpenings));
        if (CpuHostSeconds is { } hostCpu && CpuWorkerSeconds is { } workerCpu)
        {
            var finished = Math.Max(1, Completed + Compensated + Failed);
            outcomes.AddRow("CPU host / worker (from submission start)", string.Create(CultureInfo.InvariantCulture,
                $"{hostCpu:N1} s / {workerCpu:N1} s = {(hostCpu + workerCpu) * 1000 / finished:N1} ms per finished order"));
        }

        outcomes.AddRow("load average (1 min) during the run", LoadMin is { } low && LoadMax is { } high ? string.Create(CultureInfo.InvariantCulture, $"{low:N1} - {high:N1}") : "n/a");
        AnsiConsole.Write(outcomes);

        var latency = new Table().Title("[bold]Latency, accepted -> finished (server times)[/]").AddColumns("tier", "orders", "completed", "p50", "p95", "p99", "max");
        foreach (var (name, tier) in new[] { ("VIP", Vip), ("regular", Regular) })
        {
            latency.AddRow(name, N(tier.Count), N(tier.Completed), Ms(tier.P50), Ms(tier.P95), Ms(tier.P99), Ms(tier.Max));
        }

        latency.AddRow("VIP p95 / regular p95", "", "", "", VipToRegularP95 is { } r ? string.Create(CultureInfo.InvariantCulture, $"{r:0.00} (target <= 0.50)") : "-", "", "");
        AnsiConsole.Write(latency);

        var money = new Table().Title("[bold]Payment gateway ledger[/]").AddColumns("", "count");
        money.AddRow("charges", N(LedgerCharges));
        money.AddRow("orders charged", N(LedgerChargedOrders));
        money.AddRow(OrdersChargedTwice is null or 0 ? "orders charged twice" : "[red bold]orders charged twice[/]", N(OrdersChargedTwice));
        money.AddRow("retried charges answered from the ledger (idempotency key)", N(IdempotentReplays));
        money.AddRow("refunds", N(LedgerRefunds));
        money.AddRow("gateway calls / failed (this worker since start)", $"{N(GatewayCalls)} / {N(GatewayFailures)}");
        money.AddRow(UnrefundedUnfinishedCharges == 0 ? "unfinished orders charged, not refunded" : "[red bold]unfinished orders charged, not refunded[/]", N(UnrefundedUnfinishedCharges));
        money.AddRow(RefundedCompletedOrders == 0 ? "completed orders refunded" : "[red bold]completed orders refunded[/]", N(RefundedCompletedOrders));
        money.AddRow("ledger: orders charged - refunds - completed (must be 0)", NetChargedOrdersMinusCompleted is null ? "n/a (shared ledger)" : N(NetChargedOrdersMinusCompleted));
        AnsiConsole.Write(money);
        AnsiConsole.MarkupLine(InvariantsHold ? "[green bold]Invariants hold:[/] nothing lost, no double charge, every unfinished order's charge refunded." : "[red bold]An invariant failed[/] (see the red rows).");
    }

    public void WriteFiles(string folder, IReadOnlyList<OrderRecord> orders, DemoOptions options)
    {
        var csv = new StringBuilder("order_id,tier,status,sent_at_s,accepted_at,finished_at,duration_ms,retries,submit_attempts,charge_id,refund_id,error\n");
        foreach (var o in orders)
        {
            csv.AppendLine(string.Join(',',
                o.OrderId, o.Vip ? "vip" : "regular", o.Status ?? (o.Accepted == 0 ? "not_accepted" : "unknown"), o.SentAt.ToString("F3", CultureInfo.InvariantCulture),
                o.AcceptedAt?.ToString("O", CultureInfo.InvariantCulture), o.FinishedAt?.ToString("O", CultureInfo.InvariantCulture),
                o.DurationMs?.ToString("F1", CultureInfo.InvariantCulture), o.Retries.ToString(CultureInfo.InvariantCulture), o.SubmitAttempts.ToString(CultureInfo.InvariantCulture),
                o.ChargeId, o.RefundId, o.Error is null ? null : "\"" + o.Error.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""));
        }

        File.WriteAllText(Path.Combine(folder, "orders.csv"), csv.ToString());
        File.WriteAllText(Path.Combine(folder, "summary.json"), JsonSerializer.Serialize(new { options, summary = this with { HostDown = [] }, host_down = HostDown.Select(d => new { from_s = d.From, to_s = d.To }) }, FileJson));
        LatencyPlot.Write(Path.Combine(folder, "latency.png"), orders, options, HostDown);
    }

    private static double SumOpenings(JsonElement element)
    {
        // The pool API's shape belongs to the pools; count every numeric field that names breaker openings.
        double sum = 0;
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    sum += property.Value.ValueKind == JsonValueKind.Number && (property.Name.Contains("opening", StringComparison.OrdinalIgnoreCase) || property.Name.EndsWith("_opens", StringComparison.OrdinalIgnoreCase))
                        ? property.Value.GetDouble()
                        : SumOpenings(property.Value);
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    sum += SumOpenings(item);
                }

                break;
        }

        return sum;
    }
}

/// <summary>Latency percentiles of one tier's finished orders.</summary>
internal sealed record TierLatency(int Count, int Completed, double? P50, double? P95, double? P99, double? Max)
{
    public static TierLatency Of(IEnumerable<OrderRecord> orders)
    {
        var list = orders.ToList();
        var sorted = list.Where(o => o.DurationMs is not null).Select(o => o.DurationMs!.Value).Order().ToArray();
        double? At(double q) => sorted.Length == 0 ? null : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
        return new TierLatency(list.Count, list.Count(o => o.Status == "completed"), At(0.50), At(0.95), At(0.99), sorted.Length == 0 ? null : sorted[^1]);
    }
}
