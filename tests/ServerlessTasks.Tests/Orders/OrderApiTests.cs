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

    /// <summary>The order workflow's activity calls in history order, condensed (a call is its TaskCompleted or TaskFailed, with its result).</summary>
    private async Task<List<(string Function, bool Completed, JsonElement Result)>> CallsAsync(string orderId)
    {
        var instance = await host.Http.GetFromJsonAsync<JsonElement>($"/runtime/webhooks/durabletask/instances/order:{orderId}?showHistory=true&showHistoryOutput=true");
        return [.. instance.GetProperty("historyEvents").EnumerateArray()
            .Where(e => e.GetProperty("EventType").GetString() is "TaskCompleted" or "TaskFailed")
            .Select(e => (
                e.GetProperty("FunctionName").GetString()!,
                e.GetProperty("EventType").GetString() == "TaskCompleted",
                e.TryGetProperty("Result", out var result) ? result : default))];
    }

    /// <summary>The order's journal as (task, kind) pairs.</summary>
    private async Task<List<(string? Task, string Kind)>> JournalAsync(string orderId) =>
        [.. (await host.Http.GetFromJsonAsync<JsonElement>($"/api/workflows/order:{orderId}/events")).GetProperty("events").EnumerateArray()
            .Select(e => (e.TryGetProperty("task_id", out var task) && task.ValueKind == JsonValueKind.String ? task.GetString() : null, e.GetProperty("kind").GetString()!))];

    /// <summary>The receipt of the index batch an order step's invocation carried (its result's <c>Index</c>), if it carried one.</summary>
    private static JsonElement? CarriedReceipt(JsonElement result) =>
        result.ValueKind == JsonValueKind.Object && result.TryGetProperty("Index", out var index) && index.ValueKind == JsonValueKind.Object ? index : null;

    [Fact]
    public async Task SubmitOrder_ValidOrder_FirstStepCarriesTheFirstIndexBatchInsteadOfAnIndexTasksCall()
    {
        await host.SubmitOrderAsync(OrderAppHost.Order("carry-1"));
        Assert.Equal("completed", (await host.WaitForOrderAsync("carry-1")).GetProperty("status").GetString());

        var calls = await CallsAsync("carry-1");
        var journal = await JournalAsync("carry-1");

        // The first episode dispatches fraud check and payment; the fraud check (first ready) carries both index entries
        // and answers their receipt, so the first index write is no IndexTasks call.
        var fraud = Assert.Single(calls, c => c.Function == "OrderFraudCheck");
        Assert.True(fraud.Completed);
        Assert.True(CarriedReceipt(fraud.Result) is not null, $"the fraud check carried no batch: {fraud.Result}");
        Assert.Equal(2, CarriedReceipt(fraud.Result)!.Value.GetProperty("Count").GetInt32());
        Assert.Null(CarriedReceipt(Assert.Single(calls, c => c.Function == "OrderCharge").Result));
        Assert.NotEqual("IndexTasks", calls[0].Function);
        Assert.Equal("IndexTasks", calls[^1].Function); // the last batch (the notification's completion) has no step to ride on
        // Nothing of what rode on the steps is missing from the journal: every step ready, dispatched, started and completed once.
        foreach (var step in new[] { "fraud_check", "payment", "inventory", "packing", "shipping", "notification" })
        {
            Assert.Equal(["ready", "dispatched", "started", "completed"], journal.Where(e => e.Task == step).Select(e => e.Kind));
        }
    }

    [Fact]
    public async Task SubmitOrder_CarryingStepFails_ItsBatchIsSentAgainByIndexTasks()
    {
        // Above the fraud check's limit (rejected, not retried) and the card's (declined): the carrier's only attempt fails.
        await host.SubmitOrderAsync(OrderAppHost.Order("carry-fail-1", amount: 200_000m));
        var order = await host.WaitForOrderAsync("carry-fail-1", TimeSpan.FromSeconds(60));
        Assert.Equal("failed", order.GetProperty("status").GetString());
        Assert.Equal("failed", Steps(order)["fraud_check"].GetProperty("status").GetString());
        Assert.Equal(1, Steps(order)["fraud_check"].GetProperty("attempts").GetInt32());

        var calls = await CallsAsync("carry-fail-1");
        var journal = await JournalAsync("carry-fail-1");

        var fraud = Assert.Single(calls, c => c.Function == "OrderFraudCheck");
        Assert.False(fraud.Completed);
        // A failed attempt's write is not known to have happened: the same batch (both dispatches) goes out through
        // IndexTasks, the first index call of the run (nothing else is sent while the carried batch is outstanding).
        var first = calls.First(c => c.Function == "IndexTasks");
        Assert.True(first.Completed);
        Assert.Equal(2, first.Result.GetProperty("Count").GetInt32());
        Assert.Equal(["ready", "dispatched", "failed"], journal.Where(e => e.Task == "fraud_check").Select(e => e.Kind));
        Assert.Equal(["ready", "dispatched", "failed"], journal.Where(e => e.Task == "payment").Select(e => e.Kind));
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
