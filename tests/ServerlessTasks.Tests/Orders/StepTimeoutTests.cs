using System.Text.Json;

namespace ServerlessTasks.Tests.Orders;

/// <summary>The order app with a regular step timeout of 0.5 s and an inventory service whose every call takes 3 s.</summary>
public sealed class SlowInventoryAppHost : OrderAppHost
{
    protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings() =>
    [
        new("Orders__Policy__RegularStepTimeoutSeconds", "0.5"),
        new("Orders__Inventory__SlowRate", "1"),
        new("Orders__Inventory__SlowMs", "3000"),
    ];
}

/// <summary>A step's activity bounds each attempt by its tier's timeout (no durable timer), and a timed-out attempt is retried.</summary>
public class StepTimeoutTests(SlowInventoryAppHost host) : IClassFixture<SlowInventoryAppHost>
{
    [Fact]
    public async Task SubmitOrder_InventorySlowerThanTheStepTimeout_EveryAttemptTimesOutAndTheChargeIsRefunded()
    {
        await host.SubmitOrderAsync(OrderAppHost.Order("slow-1"));

        var order = await host.WaitForOrderAsync("slow-1", TimeSpan.FromSeconds(120));

        var steps = order.GetProperty("steps").EnumerateArray().ToDictionary(s => s.GetProperty("step").GetString()!);
        Assert.Equal("failed", steps["inventory"].GetProperty("status").GetString());
        Assert.Equal(4, steps["inventory"].GetProperty("attempts").GetInt32()); // the first attempt and its 3 retries
        Assert.Equal("timed out after 0.5 s", steps["inventory"].GetProperty("error").GetString());
        Assert.Equal("compensated", order.GetProperty("status").GetString());
        Assert.NotEqual(JsonValueKind.Null, order.GetProperty("refund_id").ValueKind);
    }
}
