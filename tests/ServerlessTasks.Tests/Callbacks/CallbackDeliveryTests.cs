using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ServerlessTasks.Functions.Callbacks;
using ServerlessTasks.Webhooks;

namespace ServerlessTasks.Tests.Callbacks;

/// <summary>
/// Completion callbacks against a real receiver on loopback. Back-off between attempts is a durable timer, driven by the
/// host's fake clock; the receiver stamps each request with that clock, so back-off shows as durable time between
/// receipts. Webhook timestamps and signatures are the worker's (real clock).
/// </summary>
public sealed class CallbackDeliveryTests(CallbackAppHost host) : IClassFixture<CallbackAppHost>
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(45);

    private void Tick(int seconds = 1) => host.Clock.Advance(TimeSpan.FromSeconds(seconds));

    private Task<WebhookReceiver> StartReceiverAsync() => WebhookReceiver.StartAsync(host.Clock);

    private Task<string> SubmitAsync(string url, string token = "client-token") =>
        host.SubmitAsync($$$"""{"tasks":[{"task_id":"a","task_type":"echo","payload":{"n":1}}],"callback":{"url":"{{{url}}}","token":"{{{token}}}"}}""");

    private static string? CallbackStatus(JsonElement workflow) =>
        workflow.TryGetProperty("callback", out var callback) ? callback.GetProperty("status").GetString() : null;

    private async Task<JsonElement> WaitForCallbackAsync(string id, string status, int tick = 1, TimeSpan? within = null) =>
        await Eventually.ReturnsAsync(
            () => host.GetWorkflowAsync(id),
            // The delivery may record its state before the workflow's own final checkpoint lands: wait for both.
            w => CallbackStatus(w) == status && w.GetProperty("status").GetString() is not ("pending" or "running"),
            within ?? Within,
            () => Tick(tick),
            host.Describe);

    /// <summary>Signatures verify against the worker's clock (real time), which stamps them.</summary>
    private static void AssertVerified(ReceivedWebhook received) =>
        Assert.True(
            StandardWebhooks.IsValid(CallbackAppHost.Secret, received.Id, received.Timestamp, received.Signature, received.Body, TimeProvider.System),
            $"signature of request {received.Number} did not verify");

    /// <summary>The delivery orchestration's history, condensed as the Durable management API shows it.</summary>
    private async Task<IReadOnlyList<JsonElement>> DeliveryHistoryAsync(string workflowId)
    {
        using var response = await host.Http.GetAsync($"/runtime/webhooks/durabletask/instances/{Uri.EscapeDataString(CallbackKeys.Completion(workflowId))}?showHistory=true");
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return [];
        }

        var status = await response.Content.ReadFromJsonAsync<JsonElement>();
        return status.TryGetProperty("historyEvents", out var events) ? [.. events.EnumerateArray()] : [];
    }

    [Fact]
    public async Task Completion_ReceiverVerifiesSignature_BodyEchoesTokenAndStatusShowsDelivered()
    {
        await using var receiver = await StartReceiverAsync();

        var id = await SubmitAsync(receiver.Url(), token: "tok-42");
        var workflow = await WaitForCallbackAsync(id, "delivered");

        var received = Assert.Single(receiver.Received);
        AssertVerified(received);
        Assert.StartsWith("msg_", received.Id);
        var body = JsonDocument.Parse(received.Body).RootElement;
        Assert.Equal("tok-42", body.GetProperty("token").GetString());
        Assert.Equal(id, body.GetProperty("workflow_id").GetString());
        Assert.Equal("completed", body.GetProperty("status").GetString());
        Assert.Equal(1, body.GetProperty("result").GetProperty("a").GetProperty("n").GetInt32());
        var stamp = ServerlessTasks.Domain.Clock.HlcTimestamp.Parse(body.GetProperty("hlc").GetString()!);
        var events = await host.Http.GetFromJsonAsync<JsonElement>($"/api/workflows/{id}/events");
        Assert.NotEmpty(events.GetProperty("events").EnumerateArray());
        Assert.All(events.GetProperty("events").EnumerateArray(), e => Assert.True(
            e.GetProperty("kind").GetString() == "callback_delivered" == ServerlessTasks.Domain.Clock.HlcTimestamp.Parse(e.GetProperty("hlc").GetString()!) > stamp,
            "the callback's stamp follows every task event, and its callback_delivered event follows it"));
        Assert.Equal("completed", workflow.GetProperty("status").GetString());
        Assert.Equal(1, workflow.GetProperty("callback").GetProperty("attempts").GetInt32());
        Assert.Equal(received.Id, workflow.GetProperty("callback").GetProperty("webhook_id").GetString());
    }

    [Fact]
    public async Task TargetDown_BacksOffThenDeadLetters_RedriveSucceedsWithSameWebhookId()
    {
        await using var receiver = await StartReceiverAsync();
        var up = false;
        receiver.Respond = (_, context) =>
        {
            context.Response.StatusCode = up ? 200 : 503;
            return Task.CompletedTask;
        };

        var id = await SubmitAsync(receiver.Url());
        var workflow = await WaitForCallbackAsync(id, "dead_lettered");

        Assert.Equal("completed", workflow.GetProperty("status").GetString()); // the workflow's result is unaffected
        Assert.Equal(3, workflow.GetProperty("callback").GetProperty("attempts").GetInt32());
        Assert.Contains("503", workflow.GetProperty("callback").GetProperty("last_error").GetString());
        var attempts = receiver.Received;
        Assert.Equal(3, attempts.Count);
        Assert.Single(attempts.Select(a => a.Id).Distinct());
        Assert.All(attempts, AssertVerified);
        // Each retry waited out its back-off in durable time (2 s and 4 s before jitter, which takes at most half off) and
        // was signed afresh: its timestamp is the worker's time of that attempt, never an earlier one.
        Assert.True(attempts[1].ReceivedAt - attempts[0].ReceivedAt >= TimeSpan.FromSeconds(1), $"first retry after {attempts[1].ReceivedAt - attempts[0].ReceivedAt}");
        Assert.True(attempts[2].ReceivedAt - attempts[1].ReceivedAt >= TimeSpan.FromSeconds(2), $"second retry after {attempts[2].ReceivedAt - attempts[1].ReceivedAt}");
        Assert.True(attempts[1].TimestampSeconds >= attempts[0].TimestampSeconds && attempts[2].TimestampSeconds >= attempts[1].TimestampSeconds, "timestamps never go back");
        var timers = (await DeliveryHistoryAsync(id)).Where(e => e.GetProperty("EventType").GetString() == "TimerCreated").ToList();
        Assert.Equal(2, timers.Count); // one durable back-off timer per retry

        var letters = await host.Http.GetFromJsonAsync<JsonElement>("/api/callbacks/dead-letters?limit=1000");
        var letter = letters.GetProperty("items").EnumerateArray().Single(l => l.GetProperty("workflow_id").GetString() == id);
        Assert.Equal(attempts[0].Id, letter.GetProperty("webhook_id").GetString());

        up = true;
        var deliveryId = letter.GetProperty("id").GetString()!;
        using var redrive = await host.PostAsync("/api/callbacks/dead-letters/redrive", JsonSerializer.Serialize(new { ids = new[] { deliveryId } }));
        Assert.Equal(HttpStatusCode.Accepted, redrive.StatusCode);
        Assert.Equal(deliveryId, (await redrive.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("redriven")[0].GetString());

        await WaitForCallbackAsync(id, "delivered");
        Assert.Equal(4, receiver.Received.Count);
        Assert.Equal(attempts[0].Id, receiver.Received[^1].Id);
        AssertVerified(receiver.Received[^1]);
        letters = await host.Http.GetFromJsonAsync<JsonElement>("/api/callbacks/dead-letters?limit=1000");
        Assert.DoesNotContain(letters.GetProperty("items").EnumerateArray(), l => l.GetProperty("id").GetString() == deliveryId);
    }

    [Fact]
    public async Task TooManyRequests_RetryAfterIsHonouredAsFloor()
    {
        await using var receiver = await StartReceiverAsync();
        receiver.Respond = (received, context) =>
        {
            context.Response.StatusCode = received.Number == 1 ? 429 : 200;
            if (received.Number == 1)
            {
                context.Response.Headers.RetryAfter = "120";
            }

            return Task.CompletedTask;
        };

        // Durable time stands still until the back-off timer exists, so its delay reads exactly from the history.
        var id = await SubmitAsync(receiver.Url());
        var timer = await Eventually.ReturnsAsync(
            async () => (await DeliveryHistoryAsync(id)).FirstOrDefault(e => e.GetProperty("EventType").GetString() == "TimerCreated"),
            t => t.ValueKind == JsonValueKind.Object,
            Within,
            describe: host.Describe);
        // The first attempt's receipt is the durable time the orchestration scheduled the timer at (the clock has not
        // moved since); history timestamps other than FireAt are the host's real time, so they cannot serve.
        var first = Assert.Single(receiver.Received);
        Assert.Equal(first.ReceivedAt, host.Clock.GetUtcNow());
        var delay = timer.GetProperty("FireAt").GetDateTimeOffset() - first.ReceivedAt;
        Assert.InRange(delay, TimeSpan.FromSeconds(120), TimeSpan.FromSeconds(121)); // back-off alone would be 1-2 s

        await WaitForCallbackAsync(id, "delivered", tick: 5);

        var attempts = receiver.Received;
        Assert.Equal(2, attempts.Count);
        Assert.Equal(attempts[0].Id, attempts[1].Id);
        Assert.True(attempts[1].ReceivedAt - attempts[0].ReceivedAt >= TimeSpan.FromSeconds(120), $"retried after {attempts[1].ReceivedAt - attempts[0].ReceivedAt}");
    }

    [Fact]
    public async Task Gone_DisablesEndpoint_LaterCallbacksAreNotAttempted()
    {
        await using var receiver = await StartReceiverAsync();
        receiver.Respond = (_, context) =>
        {
            context.Response.StatusCode = 410;
            return Task.CompletedTask;
        };

        var first = await SubmitAsync(receiver.Url());
        var workflow = await WaitForCallbackAsync(first, "disabled");
        Assert.Equal(1, workflow.GetProperty("callback").GetProperty("attempts").GetInt32());

        var second = await SubmitAsync(receiver.Url());
        workflow = await WaitForCallbackAsync(second, "disabled");

        Assert.Single(receiver.Received);
        Assert.Equal(0, workflow.GetProperty("callback").GetProperty("attempts").GetInt32());
        Assert.Equal("completed", workflow.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Redirect_IsNotFollowed_CountsAsFailure()
    {
        await using var elsewhere = await StartReceiverAsync();
        await using var receiver = await StartReceiverAsync();
        receiver.Respond = (_, context) =>
        {
            context.Response.StatusCode = 307;
            context.Response.Headers.Location = elsewhere.Url();
            return Task.CompletedTask;
        };

        var id = await SubmitAsync(receiver.Url());
        var workflow = await WaitForCallbackAsync(id, "dead_lettered");

        Assert.Contains("307", workflow.GetProperty("callback").GetProperty("last_error").GetString());
        Assert.Single(receiver.Received);
        Assert.Empty(elsewhere.Received);
    }

    [Fact]
    public async Task SlowTarget_PastTimeout_IsRetriedWithSameWebhookId()
    {
        // The attempt's timeout runs in the worker on the real clock: durable time is not advanced until the sender has
        // given up (the receiver sees its connection closed), so nothing else moves while the attempt is in flight.
        await using var receiver = await StartReceiverAsync();
        var gaveUp = new TaskCompletionSource<DateTimeOffset>(TaskCreationOptions.RunContinuationsAsynchronously);
        receiver.Respond = async (received, context) =>
        {
            if (received.Number == 1)
            {
                // Never answers; the sender gives up on its own timeout and closes the connection.
                await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                gaveUp.TrySetResult(DateTimeOffset.UtcNow);
                return;
            }

            context.Response.StatusCode = 200;
        };

        var id = await SubmitAsync(receiver.Url());
        var closedAt = await gaveUp.Task.WaitAsync(CallbackAppHost.AttemptTimeout + Within);
        var workflow = await WaitForCallbackAsync(id, "delivered");

        var attempts = receiver.Received;
        Assert.Equal(2, attempts.Count);
        Assert.Equal(attempts[0].Id, attempts[1].Id);
        var firstSent = DateTimeOffset.FromUnixTimeSeconds(attempts[0].TimestampSeconds);
        Assert.True(closedAt - firstSent >= CallbackAppHost.AttemptTimeout - TimeSpan.FromSeconds(1), $"the sender gave up after {closedAt - firstSent}");
        Assert.True(attempts[1].TimestampSeconds - attempts[0].TimestampSeconds >= CallbackAppHost.AttemptTimeout.TotalSeconds - 1, "the retry came after the timeout");
        Assert.Equal(2, workflow.GetProperty("callback").GetProperty("attempts").GetInt32());
    }

    [Fact]
    public async Task AnswerLostAfterSend_IsResentWithSameWebhookIdAndBody()
    {
        // The receiver processes the delivery but the sender never learns it (as when the sender crashes after
        // sending, before recording "delivered"): the delivery comes again with the same id for de-duplication.
        await using var receiver = await StartReceiverAsync();
        receiver.Respond = (received, context) =>
        {
            if (received.Number == 1)
            {
                context.Abort();
            }
            else
            {
                context.Response.StatusCode = 204;
            }

            return Task.CompletedTask;
        };

        var id = await SubmitAsync(receiver.Url());
        await WaitForCallbackAsync(id, "delivered");

        var attempts = receiver.Received;
        Assert.Equal(2, attempts.Count);
        Assert.Equal(attempts[0].Id, attempts[1].Id);
        Assert.Equal(attempts[0].Body, attempts[1].Body);
        Assert.All(attempts, AssertVerified);
    }

    [Fact]
    public async Task SingleTask_Completion_IsDeliveredAndShownOnTheTask()
    {
        await using var receiver = await StartReceiverAsync();
        var taskId = $"cb-{Guid.NewGuid():N}";

        using var response = await host.PostAsync("/api/tasks", $$$"""{"task_id":"{{{taskId}}}","task_type":"echo","payload":7,"callback":{"url":"{{{receiver.Url()}}}","token":"t"}}""");
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var task = await Eventually.ReturnsAsync(
            () => host.Http.GetFromJsonAsync<JsonElement>($"/api/tasks/{taskId}"),
            t => t.TryGetProperty("callback", out var c) && c.GetProperty("status").GetString() == "delivered",
            Within,
            () => Tick(),
            host.Describe);

        var received = Assert.Single(receiver.Received);
        AssertVerified(received);
        var body = JsonDocument.Parse(received.Body).RootElement;
        Assert.Equal(taskId, body.GetProperty("task_id").GetString());
        Assert.Equal(7, body.GetProperty("result").GetInt32());
        Assert.Equal("completed", task.GetProperty("status").GetString());
    }
}
