using System.Net.Http.Json;
using System.Text.Json;
using ServerlessTasks.Domain.Orders;
using ServerlessTasks.Domain.Scheduling;

namespace ServerlessTasks.Tests.Orders;

/// <summary>The order app with a gateway that fails every call (503): the payment step uses all its retries.</summary>
public sealed class DownGatewayAppHost : OrderAppHost
{
    protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings() =>
    [
        new("Orders__Gateway__FailureRate", "1"),
        new("Orders__Gateway__LostResponseShare", "0"),
    ];
}

/// <summary>An order step waits its tier's back-off between attempts: a VIP step retries sooner.</summary>
public class OrderRetriesTests(DownGatewayAppHost host) : IClassFixture<DownGatewayAppHost>
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private static OrderSpec Order(CustomerTier tier) => new("o-1", new OrderCustomer("c-1", tier), [new OrderItem("sku-1", 1)], 10m, "EUR");

    [Theory]
    [InlineData(CustomerTier.Vip)]
    [InlineData(CustomerTier.Regular)]
    public void Build_EveryOrderStep_CarriesItsTiersRetry(CustomerTier tier)
    {
        var workflow = OrderTemplate.Build(Order(tier), null, Now);

        Assert.All(workflow.Tasks, t => Assert.Equal(OrderPolicy.Default.RetryBackoffOf(tier), RetryBackoff.Of(t.Retry)));
        Assert.NotEqual(RetryBackoff.Of(OrderTemplate.Build(Order(CustomerTier.Vip), null, Now).Tasks[0].Retry), RetryBackoff.Of(OrderTemplate.Build(Order(CustomerTier.Regular), null, Now).Tasks[0].Retry));
    }

    [Theory]
    [InlineData("vip")]
    [InlineData("regular")]
    public async Task SubmitOrder_GatewayDown_PaymentRetriesWaitTheTiersBackoff(string tier)
    {
        var id = "retry-" + tier;
        await host.SubmitOrderAsync(OrderAppHost.Order(id, tier));

        // The refund that follows retries against the down gateway for minutes: the payment step's end is enough.
        var payment = await WaitForPaymentFailedAsync(id);

        Assert.Equal(4, payment.GetProperty("attempts").GetInt32());
        // The payment's timers come first: nothing else in the order fails before it.
        var backoff = OrderPolicy.Default.RetryBackoffOf(tier == "vip" ? CustomerTier.Vip : CustomerTier.Regular);
        await RetryTimeline.AssertWaitedAsync(host.Http, "order:" + id, OrderSteps.Payment, backoff, retries: 3);
    }

    private async Task<JsonElement> WaitForPaymentFailedAsync(string orderId)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (true)
        {
            var order = await host.Http.GetFromJsonAsync<JsonElement>($"/api/orders/{orderId}");
            var payment = order.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("step").GetString() == OrderSteps.Payment);
            if (payment.GetProperty("status").GetString() == "failed")
            {
                return payment;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the payment of {orderId} did not fail: {order}");
            await Task.Delay(100);
        }
    }
}
