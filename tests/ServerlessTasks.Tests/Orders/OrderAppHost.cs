using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace ServerlessTasks.Tests.Orders;

/// <summary>
/// The app with reliable simulated providers (1-2 ms each), a SKU with no stock (<c>sku-none</c>), one with two
/// (<c>sku-two</c>), one the carrier refuses (<c>sku-oversize</c>), and cards declined above 5,000.
/// </summary>
public class OrderAppHost : AppHost
{
    protected override IEnumerable<KeyValuePair<string, string>> WorkerSettings() =>
    [
        new("Orders__Seed", "11"),
        new("Orders__Gateway__LatencyMs", "1"),
        new("Orders__Gateway__LatencyJitterMs", "1"),
        new("Orders__Gateway__DeclineAbove", "5000"),
        new("Orders__Inventory__Stock__sku-none", "0"),
        new("Orders__Inventory__Stock__sku-two", "2"),
        new("Orders__Shipping__Undeliverable__0", "sku-oversize"),
        .. ExtraSettings(),
    ];

    /// <summary>More provider settings of a derived fixture.</summary>
    protected virtual IEnumerable<KeyValuePair<string, string>> ExtraSettings() => [];

    /// <summary>An order body.</summary>
    public static string Order(string id, string tier = "regular", string sku = "sku-1", int qty = 1, decimal amount = 25m) =>
        JsonSerializer.Serialize(new { order_id = id, customer = new { id = "c-" + id, tier }, items = new[] { new { sku, qty } }, amount });

    /// <summary>Submits an order, asserting 202.</summary>
    public async Task SubmitOrderAsync(string body)
    {
        using var response = await PostAsync("/api/orders", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"submit: {(int)response.StatusCode} {text}{Describe()}");
    }

    /// <summary>Waits (with a deadline) until the order is completed, compensated or failed.</summary>
    public async Task<JsonElement> WaitForOrderAsync(string orderId, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? DefaultWait);
        while (true)
        {
            using var response = await Http.GetAsync($"/api/orders/{orderId}");
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET order {orderId}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            var order = await response.Content.ReadFromJsonAsync<JsonElement>();
            if (order.GetProperty("status").GetString() is "completed" or "compensated" or "failed")
            {
                return order;
            }

            Assert.True(DateTime.UtcNow < deadline, $"order {orderId} did not finish: {order}{Environment.NewLine}{await InstanceReportAsync("order:" + orderId)}{Describe()}");
            await Task.Delay(50);
        }
    }

    /// <summary>The gateway's ledger.</summary>
    public Task<JsonElement> LedgerAsync() => Http.GetFromJsonAsync<JsonElement>("/api/orders-ledger");
}

/// <summary>The app with a gateway that fails 30% of its calls, every failure after recording the charge (the answer is lost).</summary>
public sealed class FlakyGatewayAppHost : OrderAppHost
{
    protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings() =>
    [
        new("Orders__Gateway__FailureRate", "0.3"),
        new("Orders__Gateway__LostResponseShare", "1"),
    ];
}
