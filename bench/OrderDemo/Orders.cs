using System.Globalization;
using System.Text.Json;

namespace OrderDemo;

/// <summary>The run's orders: ids, tiers, lines and amounts from the seed, so a run and its baseline submit the same orders.</summary>
internal static class Orders
{
    public static List<OrderRecord> Generate(DemoOptions options, string runId, string hookUrl)
    {
        var random = new Random(options.Seed);
        return [.. Enumerable.Range(1, options.Orders).Select(i =>
        {
            var vip = random.NextDouble() < options.VipShare;
            var undeliverable = random.NextDouble() < options.UndeliverableShare;
            var lines = random.Next(1, 4);
            var items = Enumerable.Range(0, lines).Select(k => new { sku = undeliverable && k == 0 ? "sku-oversize" : $"sku-{random.Next(1, 51)}", qty = random.Next(1, 4) }).ToArray();
            var id = string.Create(CultureInfo.InvariantCulture, $"demo-{runId}-{i:D5}");
            var body = JsonSerializer.Serialize(new
            {
                order_id = id,
                customer = new { id = string.Create(CultureInfo.InvariantCulture, $"cust-{random.Next(1, 2000)}"), tier = vip ? "vip" : "regular" },
                items,
                amount = Math.Round(5 + (random.NextDouble() * 195), 2),
                currency = "EUR",
                callback = new { url = hookUrl, token = id },
            });
            return new OrderRecord(id, vip, body);
        })];
    }
}
