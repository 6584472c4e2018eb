using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace ServerlessTasks.Tests.Workers;

/// <summary>The worker and lease API of DESIGN.md section 4, driven by hand over loopback HTTP against the real app.</summary>
public sealed class WorkerApiTests(WorkerAppHost host) : IClassFixture<WorkerAppHost>
{
    private static string Status(JsonElement task) => task.GetProperty("status").GetString()!;

    [Fact]
    public async Task Register_NewThenAgain_201Then200WithTimings()
    {
        using var first = await host.PostAsync("/api/workers/register", """{"worker_id":"reg-1","capabilities":["resize","transcode"],"max_concurrent_tasks":3}""");
        using var again = await host.PostAsync("/api/workers/register", """{"worker_id":"reg-1","capabilities":["resize"],"max_concurrent_tasks":2}""");

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var body = await again.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("reg-1", body.GetProperty("worker_id").GetString());
        Assert.Equal("active", body.GetProperty("status").GetString());
        Assert.Equal(1, body.GetProperty("heartbeat_interval_s").GetDouble());
        Assert.Equal(8, body.GetProperty("lease_timeout_s").GetDouble());
        var workers = await host.Http.GetFromJsonAsync<JsonElement>("/api/workers");
        var listed = workers.EnumerateArray().Single(w => w.GetProperty("worker_id").GetString() == "reg-1");
        Assert.Equal(["resize"], listed.GetProperty("capabilities").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(2, listed.GetProperty("max_concurrent_tasks").GetInt32());
        Assert.Equal(0, listed.GetProperty("current_tasks").GetInt32());
        Assert.True(listed.TryGetProperty("last_heartbeat_at", out _));
    }

    [Fact]
    public async Task Heartbeat_UnknownWorker_404ProblemJson()
    {
        using var response = await host.PostAsync("/api/workers/nobody-here/heartbeat", """{"status":"active","current_tasks":0}""");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Register_BadFields_422NamingTheField()
    {
        using var noCapabilities = await host.PostAsync("/api/workers/register", """{"worker_id":"bad-1","capabilities":[],"max_concurrent_tasks":1}""");
        using var badMax = await host.PostAsync("/api/workers/register", """{"worker_id":"bad-1","capabilities":["x"],"max_concurrent_tasks":0}""");
        using var badWait = await host.PostAsync("/api/workers/bad-1/lease", """{"wait_seconds":31}""");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, noCapabilities.StatusCode);
        Assert.Contains("capabilities", await noCapabilities.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, badMax.StatusCode);
        Assert.Contains("max_concurrent_tasks", await badMax.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, badWait.StatusCode);
        Assert.Contains("wait_seconds", await badWait.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain((await host.Http.GetFromJsonAsync<JsonElement>("/api/workers")).EnumerateArray(), w => w.GetProperty("worker_id").GetString() == "bad-1");
    }

    [Fact]
    public async Task SeedExample_ProcessingTask_PendingWithReasonThenRunningThenCompleted()
    {
        using (var submit = await host.PostAsync("/api/tasks", """{"task_id":"seed-proc-1","task_type":"processing","payload":{"data":"sample"},"priority":5,"dependencies":[],"timeout":300}"""))
        {
            Assert.Equal(HttpStatusCode.Accepted, submit.StatusCode);
        }

        var pending = await host.WaitForTaskAsync("seed-proc-1", t => t.TryGetProperty("pending_reason", out _));
        Assert.Equal("pending", Status(pending));
        Assert.Contains("'processing'", pending.GetProperty("pending_reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, pending.GetProperty("worker_id").ValueKind);

        await host.RegisterAsync("proc-worker", "\"processing\"");
        var lease = await host.LeaseOneAsync("proc-worker");
        Assert.Equal("seed-proc-1", lease.GetProperty("task_id").GetString());
        Assert.Equal("sample", lease.GetProperty("payload").GetProperty("data").GetString());
        Assert.Equal(1, lease.GetProperty("attempt").GetInt32());
        Assert.False(lease.TryGetProperty("workflow_id", out _));
        var running = await host.WaitForTaskAsync("seed-proc-1", t => Status(t) == "running");
        Assert.Equal("proc-worker", running.GetProperty("worker_id").GetString());

        var token = lease.GetProperty("lease_token").GetString()!;
        using (var complete = await host.PostAsync($"/api/leases/{token}/complete", """{"worker_id":"proc-worker","result":{"processed":true}}"""))
        {
            Assert.Equal(HttpStatusCode.OK, complete.StatusCode);
        }

        var done = await host.WaitForTaskAsync("seed-proc-1", t => Status(t) == "completed");
        Assert.True(done.GetProperty("result").GetProperty("processed").GetBoolean());
        Assert.Equal("proc-worker", done.GetProperty("worker_id").GetString());
        Assert.Equal(1, done.GetProperty("attempts").GetInt32());

        // The same token again changes nothing (200, a retried call); a wrong token is refused.
        using var repeat = await host.PostAsync($"/api/leases/{token}/complete", """{"worker_id":"proc-worker","result":{"processed":false}}""");
        using var wrong = await host.PostAsync("/api/leases/not-a-lease-token/complete", """{"worker_id":"proc-worker","result":1}""");
        Assert.Equal(HttpStatusCode.OK, repeat.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, wrong.StatusCode);
        var after = await host.WaitForTaskAsync("seed-proc-1", t => true);
        Assert.True(after.GetProperty("result").GetProperty("processed").GetBoolean());
    }

    [Fact]
    public async Task Fail_Retryable_NextAttemptLeased_NonRetryable_FailsAtOnce()
    {
        await host.RegisterAsync("fail-worker", "\"flaky-type\"");
        using (var submit = await host.PostAsync("/api/tasks", """{"task_id":"flaky-1","task_type":"flaky-type","max_retries":3}"""))
        {
            Assert.Equal(HttpStatusCode.Accepted, submit.StatusCode);
        }

        var first = await host.LeaseOneAsync("fail-worker");
        using (var fail = await host.PostAsync($"/api/leases/{first.GetProperty("lease_token").GetString()}/fail", """{"worker_id":"fail-worker","error":"disk full","retryable":true}"""))
        {
            Assert.Equal(HttpStatusCode.OK, fail.StatusCode);
        }

        var second = await host.LeaseOneAsync("fail-worker");
        Assert.Equal("flaky-1", second.GetProperty("task_id").GetString());
        Assert.Equal(2, second.GetProperty("attempt").GetInt32());
        using (var fail = await host.PostAsync($"/api/leases/{second.GetProperty("lease_token").GetString()}/fail", """{"worker_id":"fail-worker","error":"bad input","retryable":false}"""))
        {
            Assert.Equal(HttpStatusCode.OK, fail.StatusCode);
        }

        var failed = await host.WaitForTaskAsync("flaky-1", t => Status(t) == "failed");
        Assert.Equal("bad input", failed.GetProperty("error").GetString());
        Assert.Equal(2, failed.GetProperty("attempts").GetInt32());
    }

    [Fact]
    public async Task Workflow_ExternalTasks_LeasedInDependencyOrderAndComplete()
    {
        await host.RegisterAsync("wf-worker", "\"thumb\"", max: 2);
        var id = await host.SubmitAsync("""{"workflow_id":"wf-ext-1","tasks":[{"task_id":"a","task_type":"thumb","payload":{"n":1}},{"task_id":"b","task_type":"thumb","payload":{"n":2},"dependencies":["a"]}]}""");

        foreach (var expected in new[] { "a", "b" })
        {
            var lease = await host.LeaseOneAsync("wf-worker");
            Assert.Equal(expected, lease.GetProperty("task_id").GetString());
            Assert.Equal("wf-ext-1", lease.GetProperty("workflow_id").GetString());
            using var complete = await host.PostAsync($"/api/leases/{lease.GetProperty("lease_token").GetString()}/complete", $$"""{"worker_id":"wf-worker","result":"{{expected}}-done"}""");
            Assert.Equal(HttpStatusCode.OK, complete.StatusCode);
        }

        var workflow = await host.WaitForWorkflowAsync(id);
        Assert.Equal("completed", workflow.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Lease_HighestPriorityFirst_AcrossSubmissions()
    {
        foreach (var (taskId, priority) in new[] { ("prio-low", 2), ("prio-high", 9), ("prio-mid", 5) })
        {
            using var submit = await host.PostAsync("/api/tasks", $$"""{"task_id":"{{taskId}}","task_type":"prio-type","priority":{{priority}}}""");
            Assert.Equal(HttpStatusCode.Accepted, submit.StatusCode);
        }

        foreach (var taskId in new[] { "prio-low", "prio-high", "prio-mid" })
        {
            await host.WaitForTaskAsync(taskId, t => t.TryGetProperty("pending_reason", out _)); // queued
        }

        await host.RegisterAsync("prio-worker", "\"prio-type\"", max: 3);
        var leased = await host.LeaseAsync("prio-worker", 3, 5);

        Assert.Equal(["prio-high", "prio-mid", "prio-low"], leased.Select(t => t.GetProperty("task_id").GetString()));
        Assert.Empty(await host.LeaseAsync("prio-worker", 3, 0)); // no free slots
    }

    [Fact]
    public async Task Lease_ClientDropsLongPoll_NoErrorLoggedAndTheNextTaskGoesToTheNextCallFirstAttempt()
    {
        await host.RegisterAsync("drop-worker", "\"drop-type\"");
        using (var drop = new CancellationTokenSource(TimeSpan.FromMilliseconds(500)))
        {
            using var body = new StringContent("""{"max_tasks":1,"wait_seconds":20}""", Encoding.UTF8, "application/json");
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => host.Http.PostAsync("/api/workers/drop-worker/lease", body, drop.Token));
        }

        using (var submit = await host.PostAsync("/api/tasks", """{"task_id":"drop-1","task_type":"drop-type"}"""))
        {
            Assert.Equal(HttpStatusCode.Accepted, submit.StatusCode);
        }

        // Had the dropped call leased the task for nobody, it would stay leased until the lease expired (8 s here).
        var leased = await host.LeaseAsync("drop-worker", 1, 5);

        var task = Assert.Single(leased);
        Assert.Equal("drop-1", task.GetProperty("task_id").GetString());
        Assert.Equal(1, task.GetProperty("attempt").GetInt32());
        Assert.DoesNotContain(host.Logs.Matching("LeaseTasks"), l => l.Contains(" Error ", StringComparison.Ordinal) || l.Contains(" Warning ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Lease_WorkerDeregisteredWhileWaiting_LongPollEndsAt404AndItsTaskGoesToAnotherWorkerAtOnce()
    {
        await host.RegisterAsync("dereg-leaving", "\"dereg-type\"");
        await host.RegisterAsync("dereg-staying", "\"dereg-type\"");
        using (var submit = await host.PostAsync("/api/tasks", """{"task_id":"dereg-1","task_type":"dereg-type"}"""))
        {
            Assert.Equal(HttpStatusCode.Accepted, submit.StatusCode);
        }

        var held = Assert.Single(await host.LeaseAsync("dereg-leaving", 1, 5));
        Assert.Equal("dereg-1", held.GetProperty("task_id").GetString());
        var started = System.Diagnostics.Stopwatch.StartNew();
        var waitingOwn = host.PostAsync("/api/workers/dereg-leaving/lease", """{"max_tasks":1,"wait_seconds":30}""");
        var waitingOther = host.LeaseAsync("dereg-staying", 1, 30);
        using (await host.Http.GetAsync("/api/workers"))
        {
            // One round trip, so both long-polls have reached the app before the worker leaves.
        }

        using (var leave = await host.Http.DeleteAsync("/api/workers/dereg-leaving"))
        {
            Assert.Equal(HttpStatusCode.NoContent, leave.StatusCode);
        }

        // Before, the leaving worker's own call held on to its full 30 s and the other one waited for its next re-check.
        using var own = await waitingOwn.WaitAsync(TimeSpan.FromSeconds(15));
        var other = await waitingOther.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Equal(HttpStatusCode.NotFound, own.StatusCode);
        var requeued = Assert.Single(other);
        Assert.Equal("dereg-1", requeued.GetProperty("task_id").GetString());
        Assert.Equal(2, requeued.GetProperty("attempt").GetInt32());
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(15), $"the long-polls ended after {started.Elapsed}");
    }
}
