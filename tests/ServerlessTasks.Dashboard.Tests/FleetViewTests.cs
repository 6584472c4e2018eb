using System.Globalization;
using System.Text.Json;
using Microsoft.Playwright;

namespace ServerlessTasks.Dashboard.Tests;

/// <summary>
/// The workers, pools and orders views with real data (a worker registered through the API, the fixture's pool held by a
/// waiting approval, an order run through its workflow), each cell checked against what the API lists at that moment;
/// and an approval raised from the UI with the keyboard alone.
/// </summary>
[Collection(DashboardCollection.Name)]
public sealed class FleetViewTests(DashboardFixture app)
{
    [Fact]
    public async Task WorkersView_WorkerRegisteredThroughApi_ShowsWhatTheApiLists()
    {
        await PostOkAsync("/api/workers/register", """{"worker_id": "dash-w1", "capabilities": ["dash-ext", "dash-other"], "max_concurrent_tasks": 3}""");
        await PostOkAsync("/api/workers/dash-w1/heartbeat", """{"status": "active", "current_tasks": 0}""");
        var workers = (await app.GetJsonAsync("/api/workers")).EnumerateArray().ToList();
        var listed = workers.Single(w => w.GetProperty("worker_id").GetString() == "dash-w1");

        await using var dashboard = await app.OpenAsync("#/workers");
        await dashboard.ReadyAsync("/workers");

        await Assertions.Expect(dashboard.Page.Locator("#workers tr[data-worker-id]")).ToHaveCountAsync(workers.Count);
        var row = dashboard.Page.Locator("#workers tr[data-worker-id='dash-w1']");
        await Assertions.Expect(row.Locator(".c-id")).ToHaveTextAsync("dash-w1");
        await Assertions.Expect(row.Locator(".c-status")).ToHaveTextAsync(listed.GetProperty("status").GetString()!);
        await Assertions.Expect(row.Locator(".c-capabilities")).ToHaveTextAsync(string.Join(", ", listed.GetProperty("capabilities").EnumerateArray().Select(c => c.GetString())));
        await Assertions.Expect(row.Locator(".c-tasks")).ToHaveTextAsync(
            $"{listed.GetProperty("current_tasks").GetInt32()} / {listed.GetProperty("max_concurrent_tasks").GetInt32()}");
        Assert.Equal("active", listed.GetProperty("status").GetString());
        Assert.Equal("0 / 3", await row.Locator(".c-tasks").TextContentAsync());
        await dashboard.ScreenshotAsync("workers");
        Assert.True(dashboard.Errors.Count == 0, string.Join(Environment.NewLine, dashboard.Errors));
    }

    [Fact]
    public async Task PoolsView_SlotHeldByWaitingApproval_ShowsWhatTheApiListsAndKeyboardApprovalFreesIt()
    {
        await app.SubmitAsync("""{"workflow_id": "pool-ui-1", "tasks": [{"task_id": "gate", "task_type": "approval", "timeout": 600}, {"task_id": "after", "task_type": "echo", "payload": 1, "dependencies": ["gate"]}]}""");
        var shard = await WaitForShardAsync(s => s.GetProperty("held").GetInt32() == 1 && s.GetProperty("waiting").GetInt32() == 0);

        await using var dashboard = await app.OpenAsync("#/workers");
        await dashboard.ReadyAsync("/workers");
        var row = dashboard.Page.Locator($"tbody[data-pool={DashboardFixture.Pool}] tr[data-shard='{shard.GetProperty("key").GetString()}']");
        await Assertions.Expect(row.Locator(".c-held")).ToHaveTextAsync($"1 / {shard.GetProperty("max_capacity").GetInt32()}");
        await Assertions.Expect(row.Locator(".c-waiting")).ToHaveTextAsync("0");
        await Assertions.Expect(row.Locator(".c-breaker")).ToHaveTextAsync(shard.GetProperty("breaker").GetString()!);
        await Assertions.Expect(row.Locator(".c-grants")).ToHaveTextAsync(shard.GetProperty("grants").GetInt64().ToString(CultureInfo.InvariantCulture));
        await Assertions.Expect(row.Locator(".c-successes")).ToHaveTextAsync(shard.GetProperty("successes").GetInt64().ToString(CultureInfo.InvariantCulture));
        Assert.Equal(DashboardFixture.PoolCapacity, shard.GetProperty("max_capacity").GetInt32());
        await dashboard.ScreenshotAsync("pools");

        // The overview's pool utilisation says the same.
        await dashboard.Page.EvaluateAsync("() => { location.hash = '#/'; }");
        await dashboard.ReadyAsync("/");
        await Assertions.Expect(dashboard.Page.Locator($"#pool-summary dd[data-pool={DashboardFixture.Pool}]"))
            .ToHaveTextAsync($"1 / {DashboardFixture.PoolCapacity} slots held (25%), 0 waiting, breaker closed");

        // Approve from the workflow's page with the keyboard only: type the event, Enter on "Raise event".
        await dashboard.Page.EvaluateAsync("() => { location.hash = '#/workflow/pool-ui-1'; }");
        await dashboard.ReadyAsync("/workflow/pool-ui-1");
        await dashboard.Page.GetByLabel("Event name").FocusAsync();
        await dashboard.Page.Keyboard.TypeAsync("approval:gate");
        await dashboard.Page.Keyboard.PressAsync("Tab");
        await dashboard.Page.Keyboard.TypeAsync("""{"approved": true}""");
        await dashboard.Page.Keyboard.PressAsync("Tab");
        Assert.Equal("Raise event", await dashboard.Page.EvaluateAsync<string>("() => document.activeElement.textContent"));
        await dashboard.Page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(dashboard.Page.Locator("#toast")).ToContainTextAsync("Event approval:gate raised.");

        var workflow = await app.WaitForWorkflowAsync("pool-ui-1");
        Assert.Equal("completed", workflow.GetProperty("status").GetString());
        await Assertions.Expect(dashboard.Page.Locator("#workflow-status")).ToHaveAttributeAsync("data-status", "completed", new() { Timeout = 30_000 });
        var gate = workflow.GetProperty("tasks").EnumerateArray().Single(t => t.GetProperty("task_id").GetString() == "gate");
        Assert.True(gate.GetProperty("result").GetProperty("approved").GetBoolean(), gate.ToString());
        var freed = await WaitForShardAsync(s => s.GetProperty("held").GetInt32() == 0);
        await dashboard.Page.EvaluateAsync("() => { location.hash = '#/workers'; }");
        await dashboard.ReadyAsync("/workers");
        await Assertions.Expect(row.Locator(".c-held")).ToHaveTextAsync($"0 / {freed.GetProperty("max_capacity").GetInt32()}");
        Assert.True(dashboard.Errors.Count == 0, string.Join(Environment.NewLine, dashboard.Errors));
    }

    [Fact]
    public async Task OrdersView_OrderSubmittedThroughApi_ShowsWhatTheApiLists()
    {
        var body = JsonSerializer.Serialize(new { order_id = "dash-o1", customer = new { id = "c-dash-o1", tier = "vip" }, items = new[] { new { sku = "sku-1", qty = 2 } }, amount = 19.99m });
        using (var submit = await app.PostAsync("/api/orders", body))
        {
            Assert.True(submit.StatusCode == System.Net.HttpStatusCode.Accepted, $"{(int)submit.StatusCode} {await submit.Content.ReadAsStringAsync()}");
        }

        await WaitAsync(async () => (await app.GetJsonAsync("/api/orders/dash-o1")).GetProperty("status").GetString() is "completed" or "compensated" or "failed", "the order to finish");
        var page = await app.GetJsonAsync("/api/orders?limit=100");
        var listed = page.GetProperty("items").EnumerateArray().Single(o => o.GetProperty("order_id").GetString() == "dash-o1");

        await using var dashboard = await app.OpenAsync("#/orders");
        await dashboard.ReadyAsync("/orders");
        await Assertions.Expect(dashboard.Page.Locator("#orders tr[data-order-id]")).ToHaveCountAsync(page.GetProperty("total").GetInt32());
        var row = dashboard.Page.Locator("#orders tr[data-order-id='dash-o1']");
        await Assertions.Expect(row.Locator(".c-status")).ToHaveTextAsync(listed.GetProperty("status").GetString()!);
        await Assertions.Expect(row.Locator(".c-tier")).ToHaveTextAsync("vip");
        await Assertions.Expect(row.Locator(".c-customer")).ToHaveTextAsync(listed.GetProperty("customer_id").GetString()!);
        await Assertions.Expect(row.Locator(".c-amount")).ToHaveTextAsync($"{listed.GetProperty("amount").GetRawText()} {listed.GetProperty("currency").GetString()}");
        await Assertions.Expect(row.Locator(".c-retries")).ToHaveTextAsync(listed.GetProperty("retries").GetInt32().ToString(CultureInfo.InvariantCulture));
        await Assertions.Expect(row.Locator(".c-duration")).ToHaveTextAsync($"{Math.Round(listed.GetProperty("duration_ms").GetDouble(), MidpointRounding.AwayFromZero).ToString(CultureInfo.InvariantCulture)} ms");
        Assert.Equal("completed", listed.GetProperty("status").GetString());
        Assert.Equal("19.99", listed.GetProperty("amount").GetRawText());
        await dashboard.ScreenshotAsync("orders");

        // The order's id opens its workflow, every step shown as a node in its final state.
        await row.Locator(".c-id a").ClickAsync();
        var workflowId = listed.GetProperty("workflow_id").GetString()!;
        await dashboard.ReadyAsync("/workflow/" + Uri.EscapeDataString(workflowId));
        await Assertions.Expect(dashboard.Page.Locator("#workflow-status")).ToHaveAttributeAsync("data-status", "completed");
        foreach (var step in listed.GetProperty("steps").EnumerateArray())
        {
            await Assertions.Expect(dashboard.Page.Locator($"#graph g.node[data-task-id='{step.GetProperty("step").GetString()}']"))
                .ToHaveAttributeAsync("data-status", step.GetProperty("status").GetString()!);
        }

        Assert.True(dashboard.Errors.Count == 0, string.Join(Environment.NewLine, dashboard.Errors));
    }

    private async Task PostOkAsync(string path, string body)
    {
        using var response = await app.PostAsync(path, body);
        Assert.True(response.IsSuccessStatusCode, $"POST {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private async Task<JsonElement> WaitForShardAsync(Func<JsonElement, bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var pools = await app.GetJsonAsync("/api/pools");
            var shard = pools.GetProperty("pools").EnumerateArray().Single(p => p.GetProperty("name").GetString() == DashboardFixture.Pool).GetProperty("shards")[0];
            if (condition(shard))
            {
                return shard;
            }

            Assert.True(DateTime.UtcNow < deadline, $"pool {DashboardFixture.Pool} never reached the state; last {shard}");
            await Task.Delay(100);
        }
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting for {what}.");
            await Task.Delay(100);
        }
    }
}
