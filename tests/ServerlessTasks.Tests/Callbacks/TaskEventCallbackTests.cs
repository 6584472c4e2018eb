using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using ServerlessTasks.Activities.Callbacks;
using ServerlessTasks.Domain.Clock;
using ServerlessTasks.Functions.Callbacks;
using ServerlessTasks.Webhooks;

namespace ServerlessTasks.Tests.Callbacks;

/// <summary>
/// Callbacks for task events and tasks' own callbacks, against a real receiver on loopback. A few tests run the app's
/// callback classes in this process (their behaviour is not reachable from outside) against the host's real Durable
/// client: the same gRPC client a function's <c>[DurableClient]</c> gets.
/// </summary>
public sealed class TaskEventCallbackTests(CallbackAppHost host) : IClassFixture<CallbackAppHost>
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(45);

    private void Tick() => host.Clock.Advance(TimeSpan.FromSeconds(1));

    private static JsonElement Body(ReceivedWebhook received) => JsonDocument.Parse(received.Body).RootElement;

    private static string Describe(JsonElement body) =>
        $"{body.GetProperty("type").GetString()}/{TaskIdOf(body) ?? "-"}/{body.GetProperty("status").GetString()}";

    /// <summary>The task id of a body or event (event views leave a null one out).</summary>
    private static string? TaskIdOf(JsonElement element) =>
        element.TryGetProperty("task_id", out var taskId) ? taskId.GetString() : null;

    /// <summary>Signatures verify against the sender's clock (real time: the worker's, or this process's for the in-process sends).</summary>
    private static void AssertVerified(ReceivedWebhook received) =>
        Assert.True(
            StandardWebhooks.IsValid(CallbackAppHost.Secret, received.Id, received.Timestamp, received.Signature, received.Body, TimeProvider.System),
            $"signature of request {received.Number} did not verify");

    /// <summary>
    /// The app's services as its worker composes them, in this process, on <paramref name="clock"/>: for running its
    /// callback classes directly (in-memory stores; the Durable client comes from the host).
    /// </summary>
    private static ServiceProvider AppServices(TimeProvider clock)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AZURE_FUNCTIONS_ENVIRONMENT"] = "Development",
            ["TaskIndex:Provider"] = "memory",
            ["Webhooks:Secrets"] = CallbackAppHost.Secret,
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(clock);
        services.AddServerlessTasks(configuration);
        return services.BuildServiceProvider();
    }

    private async Task<IReadOnlyList<JsonElement>> WaitForDeliveredEventsAsync(string workflowId, int count) =>
        await Eventually.ReturnsAsync(
            async () => (await host.Http.GetFromJsonAsync<JsonElement>($"/api/workflows/{workflowId}/events"))
                .GetProperty("events").EnumerateArray().ToList(),
            events => events.Count(e => e.GetProperty("kind").GetString() == "callback_delivered") >= count,
            Within,
            Tick,
            host.Describe);

    [Fact]
    public async Task WorkflowSubscribedToTaskEvents_GetsEachOnceSignedAndStampedAsJournaled()
    {
        await using var receiver = await WebhookReceiver.StartAsync(host.Clock);
        var id = await host.SubmitAsync($$$"""
            {"tasks":[
              {"task_id":"pay","task_type":"fail","max_retries":0},
              {"task_id":"ship","task_type":"echo","dependencies":["pay"]},
              {"task_id":"mail","task_type":"echo","payload":{"to":"vip"}}],
             "callback":{"url":"{{{receiver.Url()}}}","token":"tok-7","events":["task_started","task_completed","task_failed","task_skipped","completed"]}}
            """);

        var events = await WaitForDeliveredEventsAsync(id, 6);
        var bodies = receiver.Received.Select(Body).ToList();

        Assert.Equal(
            ["completed/-/failed", "task_completed/mail/completed", "task_failed/pay/failed", "task_skipped/ship/skipped", "task_started/mail/running", "task_started/pay/running"],
            bodies.Select(Describe).Order(StringComparer.Ordinal));
        Assert.All(receiver.Received, AssertVerified);
        Assert.Equal(6, receiver.Received.Select(r => r.Id).Distinct().Count()); // one webhook-id per delivery
        Assert.All(bodies, b => Assert.Equal("tok-7", b.GetProperty("token").GetString()));
        Assert.Equal("vip", bodies.Single(b => Describe(b) == "task_completed/mail/completed").GetProperty("result").GetProperty("to").GetString());
        Assert.Contains("dependency 'pay'", bodies.Single(b => Describe(b) == "task_skipped/ship/skipped").GetProperty("error").GetString());

        // Each task-event callback carries the stamp of the journal event it reports; each delivery is journaled once, after it.
        var kinds = new Dictionary<string, string> { ["task_started"] = "dispatched", ["task_completed"] = "completed", ["task_failed"] = "failed", ["task_skipped"] = "skipped" };
        foreach (var body in bodies.Where(b => b.GetProperty("type").GetString() != "completed"))
        {
            var reported = events.Single(e => TaskIdOf(e) == TaskIdOf(body)
                && e.GetProperty("kind").GetString() == kinds[body.GetProperty("type").GetString()!]);
            Assert.Equal(reported.GetProperty("hlc").GetString(), body.GetProperty("hlc").GetString());
        }

        var summary = (await host.GetWorkflowAsync(id)).GetProperty("task_callbacks");
        Assert.Equal((5, 5), (summary.GetProperty("total").GetInt32(), summary.GetProperty("delivered").GetInt32()));
        var delivered = events.Where(e => e.GetProperty("kind").GetString() == "callback_delivered").ToList();
        Assert.Equal(6, delivered.Count);
        foreach (var body in bodies)
        {
            var journaled = Assert.Single(delivered, e => TaskIdOf(e) == TaskIdOf(body)
                && e.GetProperty("detail").GetString()!.StartsWith(body.GetProperty("type").GetString() + " delivered", StringComparison.Ordinal));
            Assert.True(HlcTimestamp.Parse(journaled.GetProperty("hlc").GetString()!) > HlcTimestamp.Parse(body.GetProperty("hlc").GetString()!),
                $"callback_delivered of {Describe(body)} must follow the event it reported");
        }
    }

    [Fact]
    public async Task TaskOwnCallbackInsideWorkflow_ReportsThatTasksOutcomeOnly()
    {
        await using var receiver = await WebhookReceiver.StartAsync(host.Clock);
        var id = await host.SubmitAsync($$$"""
            {"tasks":[
              {"task_id":"a","task_type":"echo","payload":{"n":1}},
              {"task_id":"b","task_type":"echo","payload":{"n":2},"dependencies":["a"],
               "callback":{"url":"{{{receiver.Url("/b")}}}","token":"b-token","events":["completed","task_started"]}}]}
            """);

        await WaitForDeliveredEventsAsync(id, 2);

        Assert.All(receiver.Received, r => Assert.Equal("/b", r.Path));
        Assert.All(receiver.Received, AssertVerified);
        var bodies = receiver.Received.Select(Body).ToList();
        Assert.Equal(["completed/b/completed", "task_started/b/running"], bodies.Select(Describe).Order(StringComparer.Ordinal));
        var completion = bodies.Single(b => b.GetProperty("type").GetString() == "completed");
        Assert.Equal("b-token", completion.GetProperty("token").GetString());
        Assert.Equal(id, completion.GetProperty("workflow_id").GetString());
        Assert.Equal(2, completion.GetProperty("result").GetProperty("n").GetInt32());

        // The workflow's status shows the task's own callback on the task and a summary of the task callbacks.
        var workflow = await Eventually.ReturnsAsync(
            () => host.GetWorkflowAsync(id),
            w => w.GetProperty("task_callbacks").GetProperty("delivered").GetInt32() == 2,
            Within,
            Tick,
            host.Describe);
        Assert.Equal(2, workflow.GetProperty("task_callbacks").GetProperty("total").GetInt32());
        Assert.False(workflow.TryGetProperty("callback", out _)); // the workflow itself has none
        var tasks = workflow.GetProperty("tasks").EnumerateArray().ToDictionary(t => t.GetProperty("task_id").GetString()!);
        Assert.False(tasks["a"].TryGetProperty("callback", out _));
        Assert.Equal("delivered", tasks["b"].GetProperty("callback").GetProperty("status").GetString());
        Assert.Equal(receiver.Received.Single(r => Describe(Body(r)).StartsWith("completed/", StringComparison.Ordinal)).Id,
            tasks["b"].GetProperty("callback").GetProperty("webhook_id").GetString());
    }

    [Fact]
    public async Task CompletionCallback_FirstAttemptWaitsForTheFinalState_SoTheReceiverReadsIt()
    {
        // The orchestrator asks for its completion callback as its last step, so the send can race the final
        // checkpoint. Make the race certain: send a completion callback for a workflow that is still waiting.
        await using var receiver = await WebhookReceiver.StartAsync(host.Clock);
        var id = await host.SubmitAsync("""{"tasks":[{"task_id":"review","task_type":"approval"}]}""");
        var seen = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        receiver.Respond = async (_, context) =>
        {
            seen.TrySetResult((await host.GetWorkflowAsync(id)).GetProperty("status").GetString());
            context.Response.StatusCode = 200;
        };
        await using var services = AppServices(TimeProvider.System);
        await using var client = host.CreateDurableClient();
        var activities = ActivatorUtilities.CreateInstance<CallbackActivities>(services);
        var delivery = new CallbackDelivery($"callback:{id}:completed", "msg_test", id, receiver.Url(), "{}", 1, 1, 1) { AwaitFinalState = true };

        var send = activities.SendCallback(new CallbackAttempt(delivery, 1), client, CancellationToken.None);
        // Bounded negative check: a send that does not wait reaches the receiver within milliseconds.
        Assert.NotSame(seen.Task, await Task.WhenAny(seen.Task, Task.Delay(TimeSpan.FromMilliseconds(500))));
        using (var approve = await host.PostAsync($"/api/workflows/{id}/events/approval:review", "{}"))
        {
            Assert.Equal(HttpStatusCode.Accepted, approve.StatusCode);
        }

        var result = await send.WaitAsync(Within);
        Assert.True(result.Outcome == CallbackAttemptOutcome.Delivered, $"{result}");
        Assert.Equal("completed", await seen.Task);
    }

    [Fact]
    public async Task CompletionCallback_WaitForFinalStateIsBounded()
    {
        await using var receiver = await WebhookReceiver.StartAsync(host.Clock);
        var id = await host.SubmitAsync("""{"tasks":[{"task_id":"review","task_type":"approval"}]}""");
        // The activity's own clock (the worker's, in a deployment) is faked here; the host's clock stays put.
        var activityClock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var services = AppServices(activityClock);
        await using var client = host.CreateDurableClient();
        var activities = ActivatorUtilities.CreateInstance<CallbackActivities>(services);
        var delivery = new CallbackDelivery($"callback:{id}:completed", "msg_test", id, receiver.Url(), "{}", 1, 1, 1) { AwaitFinalState = true };

        var send = activities.SendCallback(new CallbackAttempt(delivery, 1), client, CancellationToken.None);
        await Eventually.ReturnsAsync(() => Task.FromResult(send.IsCompleted), done => done, Within, () => activityClock.Advance(CallbackDelivery.FinalStateWait / 4));

        Assert.Equal(CallbackAttemptOutcome.Delivered, (await send).Outcome);
        Assert.Equal("running", (await host.GetWorkflowAsync(id)).GetProperty("status").GetString());
        Assert.Single(receiver.Received);
    }

    [Fact]
    public async Task SendCallback_EachAttempt_FreshTimestampAndSignature_SameWebhookIdAndBody()
    {
        // Retries in the app happen after a durable back-off but may fall in the same second of the worker's real clock
        // (CallbackDeliveryTests); here the sender's own clock is faked, so each attempt's time is known.
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Respond = (received, context) =>
        {
            context.Response.StatusCode = received.Number < 3 ? 503 : 200;
            return Task.CompletedTask;
        };
        var senderClock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var services = AppServices(senderClock);
        await using var client = host.CreateDurableClient();
        var activities = ActivatorUtilities.CreateInstance<CallbackActivities>(services);
        var delivery = new CallbackDelivery("callback:fresh:completed", "msg_fresh", "fresh", receiver.Url(), """{"n":1}""", 3, 1, 1);

        var outcomes = new List<CallbackAttemptOutcome>();
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            outcomes.Add((await activities.SendCallback(new CallbackAttempt(delivery, attempt), client, CancellationToken.None)).Outcome);
            senderClock.Advance(TimeSpan.FromSeconds(7));
        }

        Assert.Equal([CallbackAttemptOutcome.Retryable, CallbackAttemptOutcome.Retryable, CallbackAttemptOutcome.Delivered], outcomes);
        var attempts = receiver.Received;
        Assert.Equal(3, attempts.Count);
        Assert.All(attempts, a => Assert.Equal("msg_fresh", a.Id));
        Assert.All(attempts, a => Assert.Equal("""{"n":1}"""u8.ToArray(), a.Body));
        Assert.Equal([0, 7, 14], attempts.Select(a => a.TimestampSeconds - attempts[0].TimestampSeconds));
        Assert.Equal(3, attempts.Select(a => a.Signature).Distinct().Count());
        Assert.All(attempts, a => Assert.True(
            StandardWebhooks.IsValid(CallbackAppHost.Secret, a.Id, a.Timestamp, a.Signature, a.Body, senderClock),
            $"signature of request {a.Number} did not verify"));
    }

    [Fact]
    public async Task SingleTask_SubscribedToStart_GetsStartThenCompletion()
    {
        await using var receiver = await WebhookReceiver.StartAsync(host.Clock);
        var taskId = $"ev-{Guid.NewGuid():N}";
        using var response = await host.PostAsync("/api/tasks",
            $$$"""{"task_id":"{{{taskId}}}","task_type":"echo","payload":3,"callback":{"url":"{{{receiver.Url()}}}","events":["task_started","completed"]}}""");
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);

        var events = await Eventually.ReturnsAsync(
            async () => (await host.Http.GetFromJsonAsync<JsonElement>($"/api/tasks/{taskId}/events")).GetProperty("events").EnumerateArray().ToList(),
            e => e.Count(x => x.GetProperty("kind").GetString() == "callback_delivered") == 2,
            Within,
            Tick,
            host.Describe);

        var bodies = receiver.Received.Select(Body).ToList();
        Assert.Equal([$"completed/{taskId}/completed", $"task_started/{taskId}/running"], bodies.Select(Describe).Order(StringComparer.Ordinal));
        Assert.Equal(3, bodies.Single(b => b.GetProperty("type").GetString() == "completed").GetProperty("result").GetInt32());
        var started = bodies.Single(b => b.GetProperty("type").GetString() == "task_started");
        Assert.Equal(events.Single(e => e.GetProperty("kind").GetString() == "dispatched").GetProperty("hlc").GetString(), started.GetProperty("hlc").GetString());
    }

    [Fact]
    public async Task WideWorkflow_EveryTaskCompletedCallbackArrivesExactlyOnce()
    {
        await using var receiver = await WebhookReceiver.StartAsync(host.Clock);
        var tasks = string.Join(",", Enumerable.Range(0, 120).Select(i => $$"""{"task_id":"t{{i}}","task_type":"echo","payload":{{i}}}"""));
        var id = await host.SubmitAsync($$$"""{"tasks":[{{{tasks}}}],"callback":{"url":"{{{receiver.Url()}}}","events":["task_completed","completed"]}}""");

        await WaitForDeliveredEventsAsync(id, 121);

        // Distinct by webhook-id: a send the fake clock timed out may come again, with the same id.
        var bodies = receiver.Received.DistinctBy(r => r.Id).Select(Body).ToList();
        Assert.Equal(121, bodies.Count);
        Assert.Equal(Enumerable.Range(0, 120).Select(i => $"t{i}").Order(StringComparer.Ordinal),
            bodies.Where(b => b.GetProperty("type").GetString() == "task_completed").Select(b => TaskIdOf(b)!).Order(StringComparer.Ordinal));
        Assert.All(bodies.Where(b => b.GetProperty("type").GetString() == "task_completed"),
            b => Assert.Equal($"t{b.GetProperty("result").GetInt32()}", TaskIdOf(b)));
    }

    [Fact]
    public async Task FanOut_StartsEveryDeliveryOnce_EvenWhenHandedOverTwice()
    {
        await using var receiver = await WebhookReceiver.StartAsync(host.Clock);
        var workflowId = $"fan-{Guid.NewGuid():N}";
        var notices = Enumerable.Range(0, CallbackFanOutOrchestrator.ChunkSize + 50)
            .Select(i => new CallbackNotice(workflowId, $"t{i}", "task_completed", receiver.Url(), "tok", "completed", null, null, null, host.Clock.GetUtcNow(),
                $"callback:{workflowId}:task_completed:t{i}", CallbackSlots.Of(ServerlessTasks.Domain.Model.CallbackEventKind.TaskCompleted, ownCallback: false)))
            .ToList();
        // Handed over as the index activity does (through the host's Durable client); the fan-out and its deliveries run
        // in the worker. The second start here uses this process's own (empty) store, so only the durable instances,
        // which already exist, can stop it from starting them again.
        await using var client = host.CreateDurableClient();
        await using var services = AppServices(TimeProvider.System);

        await CallbackDeliveries.StartFanOutAsync(client, notices, CancellationToken.None);
        await CallbackDeliveries.StartFanOutAsync(client, notices, CancellationToken.None); // a batch sent again
        var fanOut = await client.WaitForInstanceCompletionAsync(CallbackDeliveries.FanOutInstanceId(notices), getInputsAndOutputs: true).WaitAsync(Within);
        var again = await ActivatorUtilities.CreateInstance<CallbackDeliveries>(services).StartManyAsync(notices, client, CancellationToken.None);

        Assert.Equal(notices.Count, fanOut.ReadOutputAs<int>());
        Assert.Equal(0, again);
        await Eventually.ReturnsAsync(() => Task.FromResult(receiver.Received.Select(r => r.Id).Distinct().Count()), n => n >= notices.Count, Within, Tick, host.Describe);
        Assert.Equal(notices.Count, receiver.Received.Select(r => r.Id).Distinct().Count());
        Assert.All(receiver.Received, AssertVerified);
    }

    [Fact]
    public async Task TaskFailedByItsDeadlineBeforeDispatch_IsJournaledAndItsCallbacksGoOut()
    {
        await using var receiver = await WebhookReceiver.StartAsync(host.Clock);
        // In the future for the worker's check at submit (real clock) and for the orchestration (durable time).
        var deadlineAt = host.LaterOfBothClocks.AddSeconds(60);
        var deadline = deadlineAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        var id = await host.SubmitAsync($$$"""
            {"tasks":[
              {"task_id":"gate","task_type":"approval"},
              {"task_id":"late","task_type":"echo","dependencies":["gate"],"deadline":"{{{deadline}}}",
               "callback":{"url":"{{{receiver.Url("/late")}}}","events":["completed"]}}],
             "callback":{"url":"{{{receiver.Url()}}}","events":["task_failed"]}}
            """);
        await Eventually.ReturnsAsync(
            async () => (await host.Http.GetFromJsonAsync<JsonElement>($"/api/workflows/{id}/events")).GetProperty("events").GetArrayLength(),
            n => n >= 3, // submitted, gate ready, gate dispatched: the approval waits
            Within);
        host.Clock.Advance(deadlineAt - host.Clock.GetUtcNow() + TimeSpan.FromSeconds(60));
        using (var approve = await host.PostAsync($"/api/workflows/{id}/events/approval:gate", "{}"))
        {
            Assert.Equal(HttpStatusCode.Accepted, approve.StatusCode);
        }

        var events = await WaitForDeliveredEventsAsync(id, 2);

        var failed = Assert.Single(events, e => TaskIdOf(e) == "late" && e.GetProperty("kind").GetString() == "failed");
        Assert.Contains("deadline", failed.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
        var bodies = receiver.Received.DistinctBy(r => r.Id).Select(Body).ToList();
        Assert.Equal(["completed/late/failed", "task_failed/late/failed"], bodies.Select(Describe).Order(StringComparer.Ordinal));
        Assert.All(bodies, b => Assert.Equal(failed.GetProperty("hlc").GetString(), b.GetProperty("hlc").GetString()));
        var workflow = await host.GetWorkflowAsync(id);
        var late = workflow.GetProperty("tasks").EnumerateArray().Single(t => t.GetProperty("task_id").GetString() == "late");
        Assert.Equal("failed", late.GetProperty("status").GetString());
        Assert.Equal("delivered", late.GetProperty("callback").GetProperty("status").GetString());
    }

    [Fact]
    public async Task DeliveryIds_OfDifferentWorkflowsNeverCollide_EvenWithColonsInIds()
    {
        // "x:task:t"'s completion and task "t" of workflow "x" with its own callback once shared one delivery id.
        await using var receiver = await WebhookReceiver.StartAsync(host.Clock);
        var x = $"x{Guid.NewGuid():N}";
        var first = await host.SubmitAsync($$$"""{"workflow_id":"{{{x}}}:task:t","tasks":[{"task_id":"a","task_type":"echo"}],"callback":{"url":"{{{receiver.Url("/first")}}}"}}""");
        await WaitForDeliveredEventsAsync(first, 1);
        var second = await host.SubmitAsync($$$"""{"workflow_id":"{{{x}}}","tasks":[{"task_id":"t","task_type":"echo","callback":{"url":"{{{receiver.Url("/second")}}}"}}]}""");
        await WaitForDeliveredEventsAsync(second, 1);

        Assert.Equal(["/first", "/second"], receiver.Received.Select(r => r.Path).Order(StringComparer.Ordinal));
        Assert.Equal(2, receiver.Received.Select(r => r.Id).Distinct().Count());
    }

    [Fact]
    public async Task CallbackWithoutCompleted_ShowsNoCompletionState()
    {
        await using var receiver = await WebhookReceiver.StartAsync(host.Clock);
        var id = await host.SubmitAsync($$$"""{"tasks":[{"task_id":"a","task_type":"echo"}],"callback":{"url":"{{{receiver.Url()}}}","events":["task_completed"]}}""");

        await WaitForDeliveredEventsAsync(id, 1);
        var workflow = await host.WaitForWorkflowAsync(id);

        Assert.False(workflow.TryGetProperty("callback", out _)); // no completion delivery will ever exist
        Assert.Equal(1, workflow.GetProperty("task_callbacks").GetProperty("delivered").GetInt32());
    }

    [Fact]
    public async Task SingleTaskCompletion_CarriesTheFinalStamp_AndItsDeliveryIsJournaledAfterIt()
    {
        await using var receiver = await WebhookReceiver.StartAsync(host.Clock);
        var taskId = $"st-{Guid.NewGuid():N}";
        using (var response = await host.PostAsync("/api/tasks", $$$"""{"task_id":"{{{taskId}}}","task_type":"echo","callback":{"url":"{{{receiver.Url()}}}"}}"""))
        {
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        var events = await Eventually.ReturnsAsync(
            async () => (await host.Http.GetFromJsonAsync<JsonElement>($"/api/tasks/{taskId}/events")).GetProperty("events").EnumerateArray().ToList(),
            e => e.Any(x => x.GetProperty("kind").GetString() == "callback_delivered"),
            Within,
            Tick,
            host.Describe);

        var body = Body(Assert.Single(receiver.Received));
        var completed = events.Single(e => e.GetProperty("kind").GetString() == "completed");
        Assert.Equal(completed.GetProperty("hlc").GetString(), body.GetProperty("hlc").GetString());
        Assert.Equal("callback_delivered", events[^1].GetProperty("kind").GetString()); // HLC order: after everything it reports
    }

    [Fact]
    public async Task CancelDuringFanOut_NothingDispatchedAfterTheCancel_OneTerminalCallback()
    {
        await using var receiver = await WebhookReceiver.StartAsync(host.Clock);
        var waits = string.Join(",", Enumerable.Range(0, 20).Select(i => $$"""{"task_id":"w{{i}}","task_type":"approval"}"""));
        var all = string.Join(",", Enumerable.Range(0, 20).Select(i => $"\"w{i}\""));
        var id = await host.SubmitAsync($$$"""
            {"tasks":[{{{waits}}},{"task_id":"after","task_type":"echo","dependencies":[{{{all}}}]}],
             "callback":{"url":"{{{receiver.Url()}}}","events":["completed","task_started"]}}
            """);
        await Eventually.ReturnsAsync(
            async () => (await host.Http.GetFromJsonAsync<JsonElement>($"/api/workflows/{id}/events")).GetProperty("events").EnumerateArray()
                .Count(e => e.GetProperty("kind").GetString() == "dispatched"),
            n => n == 20,
            Within);

        using (var cancel = await host.PostAsync($"/api/workflows/{id}/cancel", ""))
        {
            Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        }

        var workflow = await host.WaitForWorkflowAsync(id);
        var events = await WaitForDeliveredEventsAsync(id, 21); // 20 task_started + the terminal callback

        Assert.Equal("cancelled", workflow.GetProperty("status").GetString());
        Assert.All(workflow.GetProperty("tasks").EnumerateArray(), t => Assert.Equal("cancelled", t.GetProperty("status").GetString()));
        var firstCancel = events.Where(e => e.GetProperty("kind").GetString() == "cancelled").Min(e => HlcTimestamp.Parse(e.GetProperty("hlc").GetString()!));
        Assert.DoesNotContain(events, e => e.GetProperty("kind").GetString() is "dispatched" or "started"
            && HlcTimestamp.Parse(e.GetProperty("hlc").GetString()!) > firstCancel);
        var bodies = receiver.Received.DistinctBy(r => r.Id).Select(Body).ToList();
        var terminal = Assert.Single(bodies, b => b.GetProperty("type").GetString() == "completed");
        Assert.Equal("cancelled", terminal.GetProperty("status").GetString());
        Assert.DoesNotContain(bodies, b => TaskIdOf(b) == "after");
        Assert.Equal(21, bodies.Count);
    }
}
