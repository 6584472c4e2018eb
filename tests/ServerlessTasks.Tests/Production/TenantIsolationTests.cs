using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ServerlessTasks.Tests.Callbacks;

namespace ServerlessTasks.Tests.Production;

/// <summary>Tenant isolation through the real worker's middleware and endpoints, over loopback HTTP.</summary>
public sealed class TenantIsolationTests(TenantAppHost host, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<TenantAppHost>
{
    private Task<JsonElement> WaitForStatusAsync(string path, string key, string status) =>
        Eventually.ReturnsAsync(
            async () => await host.SendAsync(HttpMethod.Get, path, key),
            r => r.Status == HttpStatusCode.OK && r.Body.GetProperty("status").GetString() == status,
            AppHost.DefaultWait,
            describe: host.Describe).ContinueWith(t => t.Result.Body, TaskScheduler.Default);

    [Fact]
    public async Task OtherTenant_ReadsListsAndControls_Get404SameAsUnknown()
    {
        var task = """{"task_id":"acme-task-1","task_type":"echo","payload":{"secret":"acme"}}""";
        Assert.Equal(HttpStatusCode.Accepted, (await host.SendAsync(HttpMethod.Post, "/api/tasks", TenantAppHost.AcmeKey, task)).Status);
        // An approval keeps the workflow running, so cancel, suspend, resume and events have something to act on.
        var workflow = """{"workflow_id":"acme-wf-1","tasks":[{"task_id":"gate","task_type":"approval","timeout":600}]}""";
        Assert.Equal(HttpStatusCode.Accepted, (await host.SendAsync(HttpMethod.Post, "/api/workflows", TenantAppHost.AcmeKey, workflow)).Status);
        await WaitForStatusAsync("/api/tasks/acme-task-1", TenantAppHost.AcmeKey, "completed");
        await WaitForStatusAsync("/api/workflows/acme-wf-1", TenantAppHost.AcmeKey, "running");

        // Every read and control of another tenant's ids is the 404 an unknown id gets, with the same problem detail.
        (HttpMethod Method, string Path, string Unknown)[] probes =
        [
            (HttpMethod.Get, "/api/tasks/acme-task-1", "/api/tasks/never-submitted"),
            (HttpMethod.Post, "/api/tasks/acme-task-1/cancel", "/api/tasks/never-submitted/cancel"),
            (HttpMethod.Get, "/api/tasks/acme-task-1/events", "/api/tasks/never-submitted/events"),
            (HttpMethod.Get, "/api/tasks/gate?workflow_id=acme-wf-1", "/api/tasks/gate?workflow_id=never-submitted"),
            (HttpMethod.Get, "/api/tasks?workflow_id=acme-wf-1", "/api/tasks?workflow_id=never-submitted"),
            (HttpMethod.Get, "/api/workflows/acme-wf-1", "/api/workflows/never-submitted"),
            (HttpMethod.Get, "/api/workflows/acme-wf-1/events", "/api/workflows/never-submitted/events"),
            (HttpMethod.Post, "/api/workflows/acme-wf-1/cancel", "/api/workflows/never-submitted/cancel"),
            (HttpMethod.Post, "/api/workflows/acme-wf-1/suspend", "/api/workflows/never-submitted/suspend"),
            (HttpMethod.Post, "/api/workflows/acme-wf-1/resume", "/api/workflows/never-submitted/resume"),
            (HttpMethod.Post, "/api/workflows/acme-wf-1/events/approval:gate", "/api/workflows/never-submitted/events/approval:gate"),
        ];
        foreach (var (method, path, unknown) in probes)
        {
            var (status, body) = await host.SendAsync(method, path, TenantAppHost.GlobexKey, method == HttpMethod.Post ? "{}" : null);
            var (unknownStatus, unknownBody) = await host.SendAsync(method, unknown, TenantAppHost.GlobexKey, method == HttpMethod.Post ? "{}" : null);
            output.WriteLine($"{method} {path}: {(int)status} {body.GetProperty("detail").GetString()}");
            Assert.True(status == HttpStatusCode.NotFound, $"{method} {path}: {(int)status}");
            Assert.Equal(HttpStatusCode.NotFound, unknownStatus);
            Assert.Equal(unknownBody.GetProperty("detail").GetString()!.Replace("never-submitted", "X", StringComparison.Ordinal),
                body.GetProperty("detail").GetString()!.Replace("acme-task-1", "X", StringComparison.Ordinal).Replace("acme-wf-1", "X", StringComparison.Ordinal));
        }

        // Lists are filtered: globex sees none of acme's tasks, acme sees its own, the operator key sees all.
        Assert.DoesNotContain("acme-task-1", await ListTaskIdsAsync(TenantAppHost.GlobexKey));
        Assert.Contains("acme-task-1", await ListTaskIdsAsync(TenantAppHost.AcmeKey));
        Assert.Contains("acme-task-1", await ListTaskIdsAsync(TenantAppHost.OperatorKey));

        // Ids are global: globex submitting acme's id gets 409 that shows nothing of acme's task; acme's same body is 200.
        var (conflict, conflictBody) = await host.SendAsync(HttpMethod.Post, "/api/tasks", TenantAppHost.GlobexKey, task);
        Assert.Equal(HttpStatusCode.Conflict, conflict);
        Assert.Equal("Task 'acme-task-1' already exists.", conflictBody.GetProperty("detail").GetString());
        Assert.DoesNotContain("secret", conflictBody.GetRawText(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Post, "/api/tasks", TenantAppHost.AcmeKey, task)).Status);
        Assert.Equal(HttpStatusCode.Conflict, (await host.SendAsync(HttpMethod.Post, "/api/workflows", TenantAppHost.GlobexKey, workflow)).Status);

        // The owner still controls its workflow, and globex's refused cancel changed nothing.
        Assert.Equal("running", (await host.SendAsync(HttpMethod.Get, "/api/workflows/acme-wf-1", TenantAppHost.AcmeKey)).Body.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.Accepted, (await host.SendAsync(HttpMethod.Post, "/api/workflows/acme-wf-1/cancel", TenantAppHost.AcmeKey, "{}")).Status);
        await WaitForStatusAsync("/api/workflows/acme-wf-1", TenantAppHost.AcmeKey, "cancelled");

        // Operator endpoints that see every tenant are refused to a tenant's key.
        Assert.Equal(HttpStatusCode.Forbidden, (await host.SendAsync(HttpMethod.Get, "/api/dashboard/data/tasks", TenantAppHost.GlobexKey)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await host.SendAsync(HttpMethod.Get, "/api/callbacks/dead-letters", TenantAppHost.GlobexKey)).Status);
    }

    [Fact]
    public async Task TenantSubmittingAnIdCreatedWithoutATenant_Gets409_AndDoesNotBecomeItsOwner()
    {
        // Created by the operator's key (no tenant): such ids have no owner and are seen by such keys alone.
        var task = """{"task_id":"op-task-1","task_type":"echo","payload":{"secret":"operator"}}""";
        var workflow = """{"workflow_id":"op-wf-1","tasks":[{"task_id":"gate","task_type":"approval","timeout":600}]}""";
        var schedule = """{"schedule_id":"op-sched-1","cron":"0 0 0 1 1 *","task":{"task_type":"echo","payload":{}}}""";
        Assert.Equal(HttpStatusCode.Accepted, (await host.SendAsync(HttpMethod.Post, "/api/tasks", TenantAppHost.OperatorKey, task)).Status);
        Assert.Equal(HttpStatusCode.Accepted, (await host.SendAsync(HttpMethod.Post, "/api/workflows", TenantAppHost.OperatorKey, workflow)).Status);
        Assert.Equal(HttpStatusCode.Created, (await host.SendAsync(HttpMethod.Post, "/api/schedules", TenantAppHost.OperatorKey, schedule)).Status);
        await WaitForStatusAsync("/api/tasks/op-task-1", TenantAppHost.OperatorKey, "completed");

        // acme sends the same ids (the same bodies, even): a conflict, twice, and afterwards acme still cannot see them.
        foreach (var (path, body) in new[] { ("/api/tasks", task), ("/api/workflows", workflow), ("/api/schedules", schedule), ("/api/tasks", task) })
        {
            var (status, problem) = await host.SendAsync(HttpMethod.Post, path, TenantAppHost.AcmeKey, body);
            Assert.Equal(HttpStatusCode.Conflict, status);
            Assert.DoesNotContain("secret", problem.GetRawText(), StringComparison.Ordinal);
        }

        foreach (var path in new[] { "/api/tasks/op-task-1", "/api/workflows/op-wf-1", "/api/schedules/op-sched-1", "/api/tasks/op-task-1/events" })
        {
            var (status, _) = await host.SendAsync(HttpMethod.Get, path, TenantAppHost.AcmeKey);
            Assert.True(status == HttpStatusCode.NotFound, $"acme GET {path}: {(int)status}");
            Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Get, path, TenantAppHost.OperatorKey)).Status);
        }

        Assert.DoesNotContain("op-task-1", await ListTaskIdsAsync(TenantAppHost.AcmeKey));
        Assert.Contains("op-task-1", await ListTaskIdsAsync(TenantAppHost.OperatorKey));
        Assert.Equal(HttpStatusCode.NotFound, (await host.SendAsync(HttpMethod.Post, "/api/workflows/op-wf-1/cancel", TenantAppHost.AcmeKey, "{}")).Status);
        Assert.Equal(HttpStatusCode.Accepted, (await host.SendAsync(HttpMethod.Post, "/api/workflows/op-wf-1/cancel", TenantAppHost.OperatorKey, "{}")).Status);
    }

    private async Task<List<string>> ListTaskIdsAsync(string key)
    {
        var (status, body) = await host.SendAsync(HttpMethod.Get, "/api/tasks?limit=1000", key);
        Assert.Equal(HttpStatusCode.OK, status);
        return [.. body.GetProperty("items").EnumerateArray().Select(t => t.GetProperty("task_id").GetString()!)];
    }

    [Fact]
    public async Task TenantWorker_LeasesOnlyItsTenantsTasks_AndIsInvisibleToOthers()
    {
        const string Register = """{{"worker_id":"{0}","capabilities":["tenant-ext"],"max_concurrent_tasks":10}}""";
        Assert.Equal(HttpStatusCode.Created, (await host.SendAsync(HttpMethod.Post, "/api/workers/register", TenantAppHost.AcmeKey, string.Format(null, Register, "acme-w"))).Status);
        Assert.Equal(HttpStatusCode.Created, (await host.SendAsync(HttpMethod.Post, "/api/workers/register", TenantAppHost.GlobexKey, string.Format(null, Register, "globex-w"))).Status);
        Assert.Equal(HttpStatusCode.Conflict, (await host.SendAsync(HttpMethod.Post, "/api/workers/register", TenantAppHost.GlobexKey, string.Format(null, Register, "acme-w"))).Status);

        // globex's task waits in the queue (seen in the health check's counts) before acme's worker asks for work.
        Assert.Equal(HttpStatusCode.Accepted, (await host.SendAsync(HttpMethod.Post, "/api/tasks", TenantAppHost.GlobexKey, """{"task_id":"globex-ext-1","task_type":"tenant-ext","payload":1}""")).Status);
        await Eventually.ReturnsAsync(() => WaitingAsync("tenant-ext"), n => n == 1, AppHost.DefaultWait, describe: host.Describe);
        var (leaseStatus, none) = await host.SendAsync(HttpMethod.Post, "/api/workers/acme-w/lease", TenantAppHost.AcmeKey, """{"max_tasks":10,"wait_seconds":0}""");
        Assert.Equal(HttpStatusCode.OK, leaseStatus);
        Assert.Empty(none.GetProperty("tasks").EnumerateArray());

        Assert.Equal(HttpStatusCode.Accepted, (await host.SendAsync(HttpMethod.Post, "/api/tasks", TenantAppHost.AcmeKey, """{"task_id":"acme-ext-1","task_type":"tenant-ext","payload":2}""")).Status);
        var acmeLease = await LeaseOneAsync("acme-w", TenantAppHost.AcmeKey);
        Assert.Equal("acme-ext-1", acmeLease.GetProperty("task_id").GetString());
        var globexLease = await LeaseOneAsync("globex-w", TenantAppHost.GlobexKey);
        Assert.Equal("globex-ext-1", globexLease.GetProperty("task_id").GetString());

        // globex cannot act for acme's worker or lease; the answers are those of unknown ids and tokens.
        var token = acmeLease.GetProperty("lease_token").GetString();
        Assert.Equal(HttpStatusCode.Conflict, (await host.SendAsync(HttpMethod.Post, $"/api/leases/{token}/complete", TenantAppHost.GlobexKey, """{"worker_id":"acme-w","result":"stolen"}""")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await host.SendAsync(HttpMethod.Post, "/api/workers/acme-w/heartbeat", TenantAppHost.GlobexKey, """{"status":"active"}""")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await host.SendAsync(HttpMethod.Post, "/api/workers/acme-w/lease", TenantAppHost.GlobexKey, """{"wait_seconds":0}""")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await host.SendAsync(HttpMethod.Delete, "/api/workers/acme-w", TenantAppHost.GlobexKey)).Status);
        var (_, globexWorkers) = await host.SendAsync(HttpMethod.Get, "/api/workers", TenantAppHost.GlobexKey);
        Assert.Equal(new[] { "globex-w" }, globexWorkers.EnumerateArray().Select(w => w.GetProperty("worker_id").GetString()!).ToArray());

        // The owner completes its own lease.
        Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Post, $"/api/leases/{token}/complete", TenantAppHost.AcmeKey, """{"worker_id":"acme-w","result":"done"}""")).Status);
        var done = await WaitForStatusAsync("/api/tasks/acme-ext-1", TenantAppHost.AcmeKey, "completed");
        Assert.Equal("done", done.GetProperty("result").GetString());
    }

    private async Task<JsonElement> LeaseOneAsync(string workerId, string key)
    {
        var deadline = DateTime.UtcNow + AppHost.DefaultWait;
        while (true)
        {
            var (status, body) = await host.SendAsync(HttpMethod.Post, $"/api/workers/{workerId}/lease", key, """{"max_tasks":10,"wait_seconds":5}""");
            Assert.Equal(HttpStatusCode.OK, status);
            var tasks = body.GetProperty("tasks").EnumerateArray().ToList();
            if (tasks.Count > 0)
            {
                return Assert.Single(tasks);
            }

            Assert.True(DateTime.UtcNow < deadline, $"nothing leased to {workerId}{host.Describe()}");
        }
    }

    private async Task<int> WaitingAsync(string taskType)
    {
        var health = await host.Http.GetFromJsonAsync<JsonElement>("/api/health");
        return health.GetProperty("checks").GetProperty("work_queue").GetProperty("data").GetProperty("waiting_by_type") is { ValueKind: JsonValueKind.Object } byType
            && byType.TryGetProperty(taskType, out var count) ? count.GetInt32() : 0;
    }

    [Fact]
    public async Task ResultCache_IsScopedByTenant()
    {
        const string Task = """{{"task_id":"{0}","task_type":"echo","payload":{{"shared":"input"}},"cache":{{"ttl_seconds":600}}}}""";
        async Task<JsonElement> RunAsync(string taskId, string key)
        {
            Assert.Equal(HttpStatusCode.Accepted, (await host.SendAsync(HttpMethod.Post, "/api/tasks", key, string.Format(null, Task, taskId))).Status);
            return await WaitForStatusAsync($"/api/tasks/{taskId}", key, "completed");
        }

        Assert.False((await RunAsync("acme-cache-1", TenantAppHost.AcmeKey)).TryGetProperty("cached", out _));
        // The same type and payload for another tenant runs: it never gets acme's result.
        var globex = await RunAsync("globex-cache-1", TenantAppHost.GlobexKey);
        Assert.False(globex.TryGetProperty("cached", out _));
        Assert.Equal(1, globex.GetProperty("attempts").GetInt32());
        // acme's own second task hits.
        Assert.True((await RunAsync("acme-cache-2", TenantAppHost.AcmeKey)).GetProperty("cached").GetBoolean());
    }

    [Fact]
    public async Task EventsStream_TenantKey_CarriesItsOwnEventsAlone()
    {
        // globex's task finishes first, so its events precede acme's in HLC order and would come first on acme's stream.
        Assert.Equal(HttpStatusCode.Accepted, (await host.SendAsync(HttpMethod.Post, "/api/tasks", TenantAppHost.GlobexKey, """{"task_id":"globex-sse-1","task_type":"echo","payload":1}""")).Status);
        await WaitForStatusAsync("/api/tasks/globex-sse-1", TenantAppHost.GlobexKey, "completed");
        Assert.Equal(HttpStatusCode.Accepted, (await host.SendAsync(HttpMethod.Post, "/api/tasks", TenantAppHost.AcmeKey, """{"task_id":"acme-sse-1","task_type":"echo","payload":2}""")).Status);

        using var cts = new CancellationTokenSource(AppHost.DefaultWait);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/events/stream");
        request.Headers.Add("x-api-key", TenantAppHost.AcmeKey);
        using var response = await host.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));
        var seen = new List<(string Workflow, string Kind)>();
        while (!seen.Contains(("task:acme-sse-1", "completed")))
        {
            var line = await reader.ReadLineAsync(cts.Token) ?? throw new InvalidOperationException("the stream ended");
            if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                var e = JsonDocument.Parse(line[6..]).RootElement;
                seen.Add((e.GetProperty("workflow_id").GetString()!, e.GetProperty("kind").GetString()!));
            }
        }

        output.WriteLine(string.Join(", ", seen));
        Assert.DoesNotContain(seen, e => e.Workflow == "task:globex-sse-1");
        Assert.All(seen, e => Assert.StartsWith("task:acme-", e.Workflow, StringComparison.Ordinal));
    }
}
