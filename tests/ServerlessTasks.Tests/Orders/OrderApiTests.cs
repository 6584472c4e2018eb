using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace ServerlessTasks.Tests.Orders;

/// <summary>The order pipeline through the real app: the API, the template on the workflow engine, compensation, the ledger.</summary>
public class OrderApiTests(OrderAppHost host) : IClassFixture<OrderAppHost>
{
    private static Dictionary<string, JsonElement> Steps(JsonElement order) =>
        order.GetProperty("steps").EnumerateArray().ToDictionary(s => s.GetProperty("step").GetString()!);

    [Fact]
    public async Task SubmitOrder_ValidOrder_CompletesEveryStepWithOneCharge()
    {
        using var submit = await host.PostAsync("/api/orders", OrderAppHost.Order("ok-1", "vip", amount: 19.99m));
        var check = await submit.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.Accepted, submit.StatusCode);
        Assert.Equal("order:ok-1", check.GetProperty("id").GetString());
        Assert.EndsWith("/api/orders/ok-1", check.GetProperty("status_url").GetString(), StringComparison.Ordinal);
        var order = await host.WaitForOrderAsync("ok-1");
        Assert.Equal("completed", order.GetProperty("status").GetString());
        Assert.Equal("vip", order.GetProperty("tier").GetString());
        Assert.Equal(9, order.GetProperty("priority").GetInt32());
        var steps = Steps(order);
        Assert.Equal(["fraud_check", "payment", "inventory", "packing", "shipping", "notification"], steps.Keys);
        Assert.All(steps.Values, s => Assert.Equal("completed", s.GetProperty("status").GetString()));
        Assert.All(steps.Values, s => Assert.Equal(1, s.GetProperty("attempts").GetInt32()));
        var chargeId = order.GetProperty("charge_id").GetString();
        Assert.StartsWith("ch_", chargeId, StringComparison.Ordinal);
        Assert.Equal(chargeId, steps["payment"].GetProperty("result").GetProperty("charge_id").GetString());
        Assert.Equal(JsonValueKind.Null, order.GetProperty("refund_id").ValueKind);
        Assert.StartsWith("sh_", steps["shipping"].GetProperty("result").GetProperty("shipment_id").GetString(), StringComparison.Ordinal);
        Assert.True(order.GetProperty("duration_ms").GetDouble() > 0);
        Assert.True(steps["inventory"].GetProperty("started_at").GetDateTimeOffset() >= steps["payment"].GetProperty("completed_at").GetDateTimeOffset());
    }

    [Fact]
    public async Task SubmitOrder_SameIdSameBody_200AndDifferentBody_409()
    {
        var body = OrderAppHost.Order("dup-1");
        using var first = await host.PostAsync("/api/orders", body);
        using var again = await host.PostAsync("/api/orders", body);
        using var other = await host.PostAsync("/api/orders", OrderAppHost.Order("dup-1", amount: 26m));

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, other.StatusCode);
        Assert.Equal("application/problem+json", other.Content.Headers.ContentType!.MediaType);
        Assert.Equal("completed", (await host.WaitForOrderAsync("dup-1")).GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("""{"order_id":"bad-1","customer":{"id":"c","tier":"vip"},"items":[],"amount":1}""", "items")]
    [InlineData("""{"order_id":"bad-2","customer":{"id":"c","tier":"vip"},"items":[{"sku":"s","qty":1}],"amount":-5}""", "amount")]
    [InlineData("""{"order_id":"bad-3","customer":{"id":"c","tier":"gold"},"items":[{"sku":"s","qty":1}],"amount":5}""", "customer.tier")]
    [InlineData("""{"order_id":"bad-4","customer":{"id":"c","tier":"vip"},"items":[{"sku":"s","qty":"1"}],"amount":5}""", "items[0].qty")]
    [InlineData("""{"order_id":"bad-5","customer":{"id":"c","tier":"vip"},"items":[{"sku":"s","qty":1}],"amount":5,"callback":{"url":7}}""", "callback")]
    public async Task SubmitOrder_BadOrder_422NamingTheFieldAndNothingCreated(string body, string field)
    {
        using var response = await host.PostAsync("/api/orders", body);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(field, problem.GetProperty("errors")[0].GetProperty("field").GetString());
        Assert.DoesNotContain("System.", problem.ToString(), StringComparison.Ordinal);
        var id = JsonDocument.Parse(body).RootElement.GetProperty("order_id").GetString();
        using var status = await host.Http.GetAsync($"/api/orders/{id}");
        Assert.Equal(HttpStatusCode.NotFound, status.StatusCode);
    }

    [Theory]
    [InlineData("""{"order_id":"bad-json","items":[""", "application/json", 400)]
    [InlineData("""{"order_id":"bad-ct"}""", "text/plain", 415)]
    public async Task SubmitOrder_MalformedRequest_ProblemResponse(string body, string contentType, int expected)
    {
        using var response = await host.PostAsync("/api/orders", body, contentType);

        Assert.Equal(expected, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task SubmitOrder_OutOfStock_PaymentRefundedAndCompensated()
    {
        await host.SubmitOrderAsync(OrderAppHost.Order("oos-1", sku: "sku-none", amount: 30m));

        var order = await host.WaitForOrderAsync("oos-1", TimeSpan.FromSeconds(60));

        Assert.Equal("compensated", order.GetProperty("status").GetString());
        var steps = Steps(order);
        Assert.Equal("failed", steps["inventory"].GetProperty("status").GetString());
        Assert.Contains("out of stock: sku-none has 0 free", steps["inventory"].GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal("skipped", steps["shipping"].GetProperty("status").GetString());
        Assert.StartsWith("re_", order.GetProperty("refund_id").GetString(), StringComparison.Ordinal);
        var compensations = order.GetProperty("compensations").EnumerateArray().Select(c => c.GetProperty("step").GetString()).ToList();
        Assert.Equal(["payment", "fraud_check"], compensations);
    }

    [Fact]
    public async Task SubmitOrder_ShippingRefused_StockReleasedAndRefunded()
    {
        await host.SubmitOrderAsync(OrderAppHost.Order("ship-1", sku: "sku-oversize", amount: 12m));

        var order = await host.WaitForOrderAsync("ship-1", TimeSpan.FromSeconds(60));

        Assert.Equal("compensated", order.GetProperty("status").GetString());
        var steps = Steps(order);
        Assert.Equal("completed", steps["packing"].GetProperty("status").GetString());
        Assert.Equal("failed", steps["shipping"].GetProperty("status").GetString());
        Assert.Equal(1, steps["shipping"].GetProperty("attempts").GetInt32()); // a refusal is not retried
        var compensations = order.GetProperty("compensations").EnumerateArray().ToDictionary(c => c.GetProperty("step").GetString()!, c => c.GetProperty("result"));
        Assert.Equal(["inventory", "payment", "fraud_check"], compensations.Keys);
        Assert.True(compensations["inventory"].GetProperty("released").GetBoolean());
        Assert.True(compensations["payment"].GetProperty("refunded").GetBoolean());
        Assert.Equal(order.GetProperty("charge_id").GetString(), compensations["payment"].GetProperty("charge_id").GetString());
    }

    [Fact]
    public async Task SubmitOrder_StockForOneOfTwo_SecondCompensatedAfterTheFirstShips()
    {
        await host.SubmitOrderAsync(OrderAppHost.Order("two-1", sku: "sku-two", qty: 2));
        Assert.Equal("completed", (await host.WaitForOrderAsync("two-1")).GetProperty("status").GetString());

        await host.SubmitOrderAsync(OrderAppHost.Order("two-2", sku: "sku-two", qty: 1));

        var second = await host.WaitForOrderAsync("two-2", TimeSpan.FromSeconds(60));
        Assert.Equal("compensated", second.GetProperty("status").GetString());
        Assert.Contains("sku-two has 0 free", Steps(second)["inventory"].GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, Steps(second)["inventory"].GetProperty("attempts").GetInt32()); // out of stock is not retried
    }

    [Fact]
    public async Task SubmitOrder_CardDeclined_PaymentFailsWithItsFirstAttemptAndNothingIsCharged()
    {
        await host.SubmitOrderAsync(OrderAppHost.Order("declined-1", amount: 9000m));

        var order = await host.WaitForOrderAsync("declined-1", TimeSpan.FromSeconds(60));

        var steps = Steps(order);
        Assert.Equal("failed", steps["payment"].GetProperty("status").GetString());
        Assert.Equal(1, steps["payment"].GetProperty("attempts").GetInt32());
        Assert.Contains("payment declined: 9000", steps["payment"].GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal("skipped", steps["inventory"].GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, order.GetProperty("charge_id").ValueKind);
        Assert.Equal("failed", order.GetProperty("status").GetString()); // nothing was done, so nothing was undone
    }

    [Fact]
    public async Task ListOrders_ByStatusAndTier_OnlyMatching()
    {
        await host.SubmitOrderAsync(OrderAppHost.Order("list-vip", "vip"));
        await host.SubmitOrderAsync(OrderAppHost.Order("list-reg", "regular"));
        await host.WaitForOrderAsync("list-vip");
        await host.WaitForOrderAsync("list-reg");

        var vip = await host.Http.GetFromJsonAsync<JsonElement>("/api/orders?status=completed&tier=vip&limit=1000");
        using var bad = await host.Http.GetAsync("/api/orders?status=done");

        var ids = vip.GetProperty("items").EnumerateArray().Select(o => o.GetProperty("order_id").GetString()).ToList();
        Assert.Contains("list-vip", ids);
        Assert.DoesNotContain("list-reg", ids);
        Assert.All(vip.GetProperty("items").EnumerateArray(), o => Assert.Equal("vip", o.GetProperty("tier").GetString()));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("allowed: accepted, paid, packed, shipped, completed, compensated, failed", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetOrder_Unknown_404Problem()
    {
        using var response = await host.Http.GetAsync("/api/orders/never-submitted");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
    }
}

/// <summary>A gateway that loses the answer of 30% of its calls: retries find the charge by key, never charge again.</summary>
public class FlakyGatewayOrderTests(FlakyGatewayAppHost host) : IClassFixture<FlakyGatewayAppHost>
{
    [Fact]
    public async Task SubmitOrders_GatewayLosesAnswers_NoOrderChargedTwiceAndEveryUnfinishedOneRefunded()
    {
        var ids = Enumerable.Range(1, 20).Select(i => $"flaky-{i}").ToList();
        await Task.WhenAll(ids.Select(id => host.SubmitOrderAsync(OrderAppHost.Order(id, amount: 10m))));

        var orders = await Task.WhenAll(ids.Select(id => host.WaitForOrderAsync(id, TimeSpan.FromSeconds(90))));
        var ledger = await host.LedgerAsync();

        Assert.Equal(0, ledger.GetProperty("orders_charged_twice").GetInt32());
        Assert.Equal(20, ledger.GetProperty("charged_orders").GetInt32()); // every first attempt records before it fails
        Assert.Equal(20, ledger.GetProperty("charges").GetInt32());
        var retriedPayments = orders.Sum(o => o.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("step").GetString() == "payment").GetProperty("attempts").GetInt32() - 1);
        Assert.True(retriedPayments > 0, "the gateway never failed");
        Assert.True(ledger.GetProperty("idempotent_replays").GetInt32() >= retriedPayments);
        var unfinished = orders.Where(o => o.GetProperty("status").GetString() != "completed").ToList();
        Assert.All(unfinished, o => Assert.Equal("compensated", o.GetProperty("status").GetString()));
        Assert.All(unfinished, o => Assert.StartsWith("re_", o.GetProperty("refund_id").GetString(), StringComparison.Ordinal));
        Assert.Equal(unfinished.Count, ledger.GetProperty("refunds").GetInt32());
    }
}
