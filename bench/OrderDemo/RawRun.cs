using System.Diagnostics;
using System.Text.Json;
using ServerlessTasks.Domain.Orders;
using ServerlessTasks.Domain.Scheduling;
using ServerlessTasks.Orders;
using ServerlessTasks.Orders.Providers;
using Spectre.Console;

namespace OrderDemo;

/// <summary>
/// The baseline: the same orders' provider calls made in this process, with nothing durable around them (no
/// workflow, no host, no worker): the same simulated providers and profile on the same embedded store, the same
/// steps (payment beside the fraud check, then reservation, packing, shipping, notification), the same retries
/// and back-off (<see cref="RetryBackoff.Default"/>, 3 retries) and the same compensations, at the same rate.
/// The difference to a run through the service is the per-order cost of durability.
/// </summary>
internal static class RawRun
{
    public static async Task<int> RunAsync(IReadOnlyList<OrderRecord> orders, DemoOptions options, string folder, DateTimeOffset start)
    {
        var time = TimeProvider.System;
        await using var store = new SqliteOrderProviderStore(Path.Combine(folder, "orders.db"));
        await store.InitializeAsync();
        var gatewayOptions = new GatewayOptions { LatencyMs = 20, LatencyJitterMs = 20, FailureRate = options.FailureRate };
        if (options.OutageAt >= 0)
        {
            gatewayOptions.Outages.Add(new OutageOptions { Start = start.AddSeconds(options.OutageAt), Seconds = options.OutageSeconds });
        }

        var inventoryOptions = new InventoryOptions { LatencyMs = 5, SlowRate = 0.01, SlowMs = 1500 };
        var shippingOptions = new ShippingOptions { LatencyMs = 5 };
        shippingOptions.Undeliverable.Add("sku-oversize");
        var fraudOptions = new FraudOptions();
        var gateway = new SimulatedPaymentGateway(store, gatewayOptions, new FaultSimulator("payment gateway", gatewayOptions, time, options.Seed));
        var fraud = new SimulatedFraudCheck(fraudOptions, new FaultSimulator("fraud check", fraudOptions, time, options.Seed));
        var inventory = new SimulatedInventory(store, inventoryOptions, new FaultSimulator("inventory service", inventoryOptions, time, options.Seed));
        var shipping = new SimulatedShipping(store, shippingOptions, new FaultSimulator("carrier", shippingOptions, time, options.Seed));
        var notifier = new SimulatedNotifier(new FaultSimulator("notifier", new FaultOptions(), time, options.Seed));

        var wait = start - DateTimeOffset.UtcNow;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }

        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var loadBefore = ProcessCpu.LoadAverage();
        var clock = Stopwatch.StartNew();
        var runs = new List<Task>();
        for (var i = 0; i < orders.Count; i++)
        {
            var ahead = (i / options.Rate) - clock.Elapsed.TotalSeconds;
            if (ahead > 0)
            {
                await Task.Delay(TimeSpan.FromSeconds(ahead));
            }

            var record = orders[i];
            record.SentAt = clock.Elapsed.TotalSeconds;
            runs.Add(Task.Run(async () =>
            {
                var order = OrderRequestParser.Parse(JsonDocument.Parse(record.Body).RootElement).Order!;
                var workflow = OrderSpec.WorkflowIdOf(order.OrderId);
                string Key(string step) => OrderSteps.TaskKey(workflow, step);
                var began = clock.Elapsed;
                var retries = 0;
                async Task<bool> Step<T>(string step, Func<Task<T>> call)
                {
                    var seed = RetryBackoff.CreateSeed(workflow, step);
                    for (var attempt = 1; ; attempt++)
                    {
                        try
                        {
                            await call();
                            return true;
                        }
                        catch (Exception ex) when (ex is ProviderUnavailableException or ProviderRejectedException)
                        {
                            if (!RetryBackoff.ShouldRetry(attempt, 3))
                            {
                                return false;
                            }

                            retries++;
                            await Task.Delay(RetryBackoff.Default.GetDelay(attempt, seed));
                        }
                    }
                }

                var paid = Step(OrderSteps.Payment, () => gateway.ChargeAsync(Key(OrderSteps.Payment), order.OrderId, order.Amount, order.Currency));
                var checkedOk = Step(OrderSteps.FraudCheck, () => fraud.CheckAsync(order));
                var ok = await paid & await checkedOk;
                var reserved = ok && await Step(OrderSteps.Inventory, () => inventory.ReserveAsync(Key(OrderSteps.Inventory), order));
                ok = reserved
                    && await Step(OrderSteps.Packing, () => shipping.PackAsync(Key(OrderSteps.Packing), order))
                    && await Step(OrderSteps.Shipping, () => shipping.ShipAsync(Key(OrderSteps.Shipping), Key(OrderSteps.Inventory), order))
                    && await Step(OrderSteps.Notification, () => notifier.NotifyAsync(Key(OrderSteps.Notification), order, Key(OrderSteps.Shipping)));
                if (!ok)
                {
                    if (reserved)
                    {
                        await Step("inventory:compensate", () => inventory.ReleaseAsync(Key(OrderSteps.Inventory)));
                    }

                    await Step("payment:compensate", () => gateway.RefundAsync(Key(OrderSteps.Payment)));
                }

                record.Status = ok ? "completed" : "compensated";
                record.Retries = retries;
                record.DurationMs = (clock.Elapsed - began).TotalMilliseconds;
            }));
        }

        await Task.WhenAll(runs);
        var seconds = clock.Elapsed.TotalSeconds;
        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
        var vip = TierLatency.Of(orders.Where(o => o.Vip));
        var regular = TierLatency.Of(orders.Where(o => !o.Vip));
        var ledger = await store.GetLedgerSummaryAsync();
        var table = new Table().Title("[bold]Raw in-process run (same provider calls, nothing durable)[/]").AddColumns("", "value");
        table.AddRow("orders", orders.Count.ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
        table.AddRow("completed / compensated", $"{orders.Count(o => o.Status == "completed")} / {orders.Count(o => o.Status == "compensated")}");
        table.AddRow("throughput", $"{orders.Count / seconds:N1} orders/s ({seconds:N1} s)");
        table.AddRow("VIP p50 / p95 / p99", $"{vip.P50:N0} / {vip.P95:N0} / {vip.P99:N0} ms");
        table.AddRow("regular p50 / p95 / p99", $"{regular.P50:N0} / {regular.P95:N0} / {regular.P99:N0} ms");
        table.AddRow("retries", orders.Sum(o => o.Retries).ToString(System.Globalization.CultureInfo.InvariantCulture));
        table.AddRow("ledger charges / orders charged twice / refunds", $"{ledger.Charges} / {ledger.OrdersChargedTwice} / {ledger.Refunds}");
        table.AddRow("CPU of this process (all of it: the demo, providers, store)", $"{cpu:N1} s = {cpu * 1000 / Math.Max(1, orders.Count):N2} ms per order");
        table.AddRow("load average (1 min) before / after", $"{loadBefore:N1} / {ProcessCpu.LoadAverage():N1}");
        AnsiConsole.Write(table);
        return 0;
    }
}
