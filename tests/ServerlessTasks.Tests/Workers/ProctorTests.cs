using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace ServerlessTasks.Tests.Workers;

/// <summary>The proctor over loopback HTTP: a worker that stops heartbeating loses its lease to another; its late completion is refused.</summary>
public sealed class ProctorTests(WorkerAppHost host) : IClassFixture<WorkerAppHost>
{
    [Fact]
    public async Task Sweep_DeadWorker_RequeuesLease_LateCompletionRefused_NextWorkerCommitsOnce()
    {
        await host.RegisterAsync("doomed-1", "\"lost-type\"");
        using (var submit = await host.PostAsync("/api/tasks", """{"task_id":"lost-1","task_type":"lost-type","payload":{"v":1}}"""))
        {
            Assert.Equal(HttpStatusCode.Accepted, submit.StatusCode);
        }

        var lost = await host.LeaseOneAsync("doomed-1");
        var oldToken = lost.GetProperty("lease_token").GetString()!;
        await host.RegisterAsync("heir-1", "\"lost-type\"");

        // doomed-1 sends nothing more; heir-1 heartbeats while the proctor (its timer, and on demand here) finds doomed-1 dead.
        var deadline = DateTime.UtcNow + AppHost.DefaultWait;
        JsonElement report;
        while (true)
        {
            using (await host.PostAsync("/api/workers/heir-1/heartbeat", """{"status":"active","current_tasks":0}"""))
            {
            }

            using var sweep = await host.PostAsync("/api/proctor/sweep", "{}");
            Assert.Equal(HttpStatusCode.OK, sweep.StatusCode);
            var workers = await host.Http.GetFromJsonAsync<JsonElement>("/api/workers");
            var doomed = workers.EnumerateArray().SingleOrDefault(w => w.GetProperty("worker_id").GetString() == "doomed-1");
            var row = await host.Http.GetFromJsonAsync<JsonElement>("/api/tasks/lost-1");
            if (doomed.ValueKind != JsonValueKind.Undefined && doomed.GetProperty("status").GetString() == "dead" && row.GetProperty("status").GetString() == "pending")
            {
                report = row;
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, $"doomed-1 never declared dead with its task re-queued: {workers} {row}{host.Describe()}");
            await Task.Delay(250);
        }

        Assert.Contains("attempt 2", report.GetProperty("pending_reason").GetString(), StringComparison.Ordinal);
        var again = await host.LeaseOneAsync("heir-1");
        Assert.Equal("lost-1", again.GetProperty("task_id").GetString());
        Assert.Equal(2, again.GetProperty("attempt").GetInt32());

        using (var late = await host.PostAsync($"/api/leases/{oldToken}/complete", """{"worker_id":"doomed-1","result":"late"}"""))
        {
            Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
        }

        using (var complete = await host.PostAsync($"/api/leases/{again.GetProperty("lease_token").GetString()}/complete", """{"worker_id":"heir-1","result":"on time"}"""))
        {
            Assert.Equal(HttpStatusCode.OK, complete.StatusCode);
        }

        var done = await host.WaitForTaskAsync("lost-1", t => t.GetProperty("status").GetString() == "completed");
        Assert.Equal("on time", done.GetProperty("result").GetString());
        Assert.Equal("heir-1", done.GetProperty("worker_id").GetString());
        var events = await host.Http.GetFromJsonAsync<JsonElement>("/api/tasks/lost-1/events");
        var kinds = events.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("kind").GetString()).ToList();
        Assert.Single(kinds, k => k == "requeued");
        Assert.Single(kinds, k => k == "completed");
        Assert.True(kinds.IndexOf("requeued") < kinds.IndexOf("completed"), string.Join(",", kinds));
    }

    [Fact]
    public async Task Timeout_ExternalTaskNeverLeased_FailsAndIsWithdrawn()
    {
        using (var submit = await host.PostAsync("/api/tasks", """{"task_id":"nobody-takes-1","task_type":"nobody-type","timeout":1}"""))
        {
            Assert.Equal(HttpStatusCode.Accepted, submit.StatusCode);
        }

        var failed = await host.WaitForTaskAsync("nobody-takes-1", t => t.GetProperty("status").GetString() == "failed");
        Assert.Contains("timed out", failed.GetProperty("error").GetString(), StringComparison.Ordinal);

        // Withdrawn: a worker offering the type later gets nothing.
        await host.RegisterAsync("late-taker", "\"nobody-type\"");
        Assert.Empty(await host.LeaseAsync("late-taker", 1, 0.5));
    }
}
