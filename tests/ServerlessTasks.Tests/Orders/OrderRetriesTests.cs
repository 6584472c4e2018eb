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
        // Each retry's durable timer fires at the time its retried event was stamped (the orchestration's time in that
        // episode) plus the back-off, so history and journal together give the exact delays; the payment's timers come
        // first (nothing else in the order fails before it).
        var backoff = OrderPolicy.Default.RetryBackoffOf(tier == "vip" ? CustomerTier.Vip : CustomerTier.Regular);
        var seed = RetryBackoff.CreateSeed("order:" + id, OrderSteps.Payment);
        var retried = await RetriedAtAsync("order:" + id);
        var fireAt = (await TimersFireAtAsync("order:" + id)).Take(3).ToList();
        Assert.Equal(3, fireAt.Count);
        for (var retry = 1; retry <= 3; retry++)
        {
            var expected = backoff.GetDelay(retry, seed).TotalMilliseconds;
            var actual = (fireAt[retry - 1] - retried[retry - 1]).TotalMilliseconds;
            Assert.True(Math.Abs(expected - actual) <= 1, $"retry {retry}: waited {actual} ms, the {tier} back-off is {expected} ms");
        }
    }

    /// <summary>When the payment's retried events were stamped, in retry order, once its three are in the journal.</summary>
    private async Task<List<DateTimeOffset>> RetriedAtAsync(string workflowId)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var journal = await host.Http.GetFromJsonAsync<JsonElement>($"/api/workflows/{Uri.EscapeDataString(workflowId)}/events");
            var retried = journal.GetProperty("events").EnumerateArray()
                .Where(e => e.GetProperty("kind").GetString() == "retried" && e.TryGetProperty("task_id", out var task) && task.GetString() == OrderSteps.Payment)
                .Select(e => (Attempt: e.GetProperty("attempt").GetInt32(), At: e.GetProperty("at").GetDateTimeOffset()))
                .OrderBy(e => e.Attempt)
                .ToList();
            if (retried.Count >= 3)
            {
                return [.. retried.Select(e => e.At)];
            }

            Assert.True(DateTime.UtcNow < deadline, $"the journal of {workflowId} has {retried.Count} payment retries: {journal}");
            await Task.Delay(100);
        }
    }

    /// <summary>The fire times of the instance's durable timers, in history order.</summary>
    private async Task<List<DateTimeOffset>> TimersFireAtAsync(string instanceId)
    {
        var instance = await host.Http.GetFromJsonAsync<JsonElement>($"/runtime/webhooks/durabletask/instances/{Uri.EscapeDataString(instanceId)}?showHistory=true");
        return [.. instance.GetProperty("historyEvents").EnumerateArray()
            .Where(e => e.GetProperty("EventType").GetString() == "TimerCreated")
            .Select(e => e.GetProperty("FireAt").GetDateTimeOffset())];
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
