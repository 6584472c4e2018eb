using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ServerlessTasks.Domain.Webhooks;
using ServerlessTasks.Testing;
using ServerlessTasks.Webhooks;
using Xunit.Abstractions;

namespace ServerlessTasks.Tests.Callbacks;

/// <summary>Crash runs start and kill real processes: they run alone, not beside the other test classes.</summary>
[CollectionDefinition(nameof(CallbackCrashTests), DisableParallelization = true)]
public sealed class CallbackCrashTestsCollection;

/// <summary>
/// Webhook callbacks across a real crash: the local host runs as a child process (<see cref="AppProcess"/>) serving the
/// app's worker, on SQLite stores; the host is killed with SIGKILL at a chosen point (its worker must die with it) and
/// restarted on the same files.
/// </summary>
[Collection(nameof(CallbackCrashTests))]
public sealed class CallbackCrashTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(60);

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "st-callback-crash-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task KillBetweenSendAndMarkDelivered_AfterRestart_ResentWithSameWebhookIdAndBody()
    {
        var watch = Stopwatch.StartNew();
        Directory.CreateDirectory(_folder);
        var id = $"crash-{Guid.NewGuid():N}";
        var deliveryId = $"callback:{id}:completed"; // one completion delivery per workflow (CallbackNotice.DeliveryId)

        // The first request is received in full, then the host is killed before the worker gets an answer: the
        // send happened, the "delivered" was never recorded. Later requests are answered 200.
        ChildProcess? first = null;
        var killed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Respond = (received, context) =>
        {
            if (received.Number == 1)
            {
                try
                {
                    AppProcess.KillHostOnly(first!);
                    killed.TrySetResult();
                }
                catch (Exception ex)
                {
                    killed.TrySetException(ex);
                }

                context.Abort();
            }
            else
            {
                context.Response.StatusCode = 200;
            }

            return Task.CompletedTask;
        };

        CallbackRecord? atKill;
        int firstPid;
        int firstWorker;
        first = await AppProcess.StartAsync(_folder);
        await using (first)
        {
            firstPid = first.ProcessId;
            firstWorker = Assert.Single(AppProcess.WorkerProcessIds(first));
            using var submit = await first.Http.PostAsync("/api/workflows", JsonContent.Create(new
            {
                workflow_id = id,
                tasks = new[] { new { task_id = "a", task_type = "echo", payload = new { n = 1 } } },
                callback = new { url = receiver.Url(), token = "t" },
            }));
            Assert.Equal(HttpStatusCode.Accepted, submit.StatusCode);

            try
            {
                await killed.Task.WaitAsync(Within);
            }
            catch (TimeoutException)
            {
                Assert.Fail($"no callback arrived within {Within}: {first.Output}");
            }

            await first.WaitForExitAsync(TimeSpan.FromSeconds(10));
            Assert.True(first.HasExited, "the host survived the kill");
            var workerGone = await Eventually.ReturnsAsync(() => Task.FromResult(!AppProcess.IsRunning(firstWorker)), gone => gone, TimeSpan.FromSeconds(10));
            Assert.True(workerGone, $"the worker (pid {firstWorker}) outlived its host");
            Assert.Single(receiver.Received);

            // The crash point: the delivery exists and the request went out, but nothing recorded its outcome.
            await using var store = new SqliteCallbackStore(Path.Combine(_folder, "callbacks.db"));
            atKill = await store.GetAsync(deliveryId);
            Assert.NotNull(atKill);
            Assert.NotEqual(CallbackDeliveryStatus.Delivered, atKill.Status);
            Assert.Equal(0, atKill.Attempts);
        }

        await using var second = await AppProcess.StartAsync(_folder);
        var failures = new List<string>();
        var workflow = await Eventually.ReturnsAsync(
            async () =>
            {
                using var response = await second.Http.GetAsync($"/api/workflows/{id}");
                var text = await response.Content.ReadAsStringAsync();
                if (!response.IsSuccessStatusCode)
                {
                    failures.Add($"{(int)response.StatusCode} {text}");
                    return default;
                }

                return JsonDocument.Parse(text).RootElement.Clone();
            },
            w => w.ValueKind == JsonValueKind.Object && CallbackStatus(w) == "delivered" && w.GetProperty("status").GetString() is not ("pending" or "running"),
            Within,
            describe: _ => $"{string.Join(Environment.NewLine, failures.TakeLast(3))}{Environment.NewLine}{second.Output}");
        Assert.True(failures.Count == 0, $"GET /api/workflows/{id} failed after the restart: {string.Join(Environment.NewLine, failures.Take(3))}{Environment.NewLine}{second.Output}");
        // The delivery orchestration finishes after the record says delivered (it may still journal the delivery).
        var deliveryStatus = await Eventually.ReturnsAsync(
            () => InstanceStatusAsync(second, deliveryId),
            s => s is "Completed" or "Failed" or "Terminated",
            Within);
        Assert.Equal("Completed", deliveryStatus);

        // The receiver saw the crashed send and the resend: one webhook-id, one body, every signature valid.
        var attempts = receiver.Received;
        Assert.True(attempts.Count >= 2, $"expected the crashed send and a resend, saw {attempts.Count}");
        var webhookId = WebhookSigner.CreateMessageId(deliveryId);
        Assert.All(attempts, a => Assert.Equal(webhookId, a.Id));
        Assert.All(attempts, a => Assert.Equal(attempts[0].Body, a.Body));
        Assert.All(attempts, a => Assert.True(
            StandardWebhooks.IsValid(CallbackAppHost.Secret, a.Id, a.Timestamp, a.Signature, a.Body, TimeProvider.System),
            $"signature of request {a.Number} did not verify"));
        Assert.All(attempts.Skip(1), a => Assert.True(a.TimestampSeconds >= attempts[0].TimestampSeconds, "a resend carries a fresh timestamp"));
        var body = JsonDocument.Parse(attempts[0].Body).RootElement;
        Assert.Equal("t", body.GetProperty("token").GetString());
        Assert.Equal(id, body.GetProperty("workflow_id").GetString());
        Assert.Equal("completed", body.GetProperty("status").GetString());
        Assert.Equal(1, body.GetProperty("result").GetProperty("a").GetProperty("n").GetInt32());

        // The workflow's result is unaffected; the record counts the attempts whose outcome it recorded, so the
        // crashed one (outcome never recorded) may or may not be in it, but never more than were sent.
        Assert.Equal("completed", workflow.GetProperty("status").GetString());
        var callback = workflow.GetProperty("callback");
        Assert.Equal(webhookId, callback.GetProperty("webhook_id").GetString());
        var recorded = callback.GetProperty("attempts").GetInt32();
        Assert.InRange(recorded, 1, attempts.Count);

        // The journal holds each event once, whatever ran twice across the restart.
        var events = (await second.Http.GetFromJsonAsync<JsonElement>($"/api/workflows/{id}/events"))
            .GetProperty("events").EnumerateArray()
            .Select(e => (Kind: e.GetProperty("kind").GetString()!, TaskId: e.TryGetProperty("task_id", out var t) ? t.GetString() : null, Attempt: e.GetProperty("attempt").GetInt32()))
            .ToList();
        var duplicates = events.GroupBy(e => e).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(duplicates.Count == 0, $"journaled more than once: {string.Join(", ", duplicates)}");
        Assert.Single(events, e => e.Kind == "submitted");
        Assert.Equal(["ready", "dispatched", "started", "completed"], events.Where(e => e.TaskId == "a" && e.Kind != "callback_delivered").Select(e => e.Kind));
        var delivered = Assert.Single(events, e => e.Kind == "callback_delivered");
        Assert.Null(delivered.TaskId); // the workflow's own completion
        Assert.Equal(6, events.Count);

        output.WriteLine(
            $"host pid {firstPid} (worker {firstWorker}) killed on receipt of request 1 (record then: {atKill.Status}, {atKill.Attempts} attempts); restarted as pid {second.ProcessId}; " +
            $"receiver saw {attempts.Count} requests, webhook-id {webhookId}, timestamps {string.Join(", ", attempts.Select(a => a.Timestamp))}; " +
            $"record: {callback.GetProperty("status").GetString()}, {recorded} attempts; events: {string.Join(", ", events.Select(e => $"{e.Kind}/{e.TaskId ?? "-"}/{e.Attempt}"))}; " +
            $"{watch.Elapsed.TotalSeconds:0.0} s");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(120), $"the run took {watch.Elapsed}");
    }

    private static string? CallbackStatus(JsonElement workflow) =>
        workflow.TryGetProperty("callback", out var callback) ? callback.GetProperty("status").GetString() : null;

    /// <summary>The runtime status of an orchestration instance from the Durable management API.</summary>
    private static async Task<string?> InstanceStatusAsync(ChildProcess app, string instanceId)
    {
        using var response = await app.Http.GetAsync($"/runtime/webhooks/durabletask/instances/{Uri.EscapeDataString(instanceId)}");
        if (response.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.Accepted))
        {
            return null;
        }

        var status = await response.Content.ReadFromJsonAsync<JsonElement>();
        return status.GetProperty("runtimeStatus").GetString();
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp folder left behind is harmless.
        }
    }
}
