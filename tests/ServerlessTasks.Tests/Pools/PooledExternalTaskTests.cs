using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ServerlessTasks.Tests.Workers;

namespace ServerlessTasks.Tests.Pools;

/// <summary>The worker host with a pool of one slot (<c>ext-gate</c>) over the external task type <c>gated-ext</c>.</summary>
public sealed class PooledExternalAppHost : WorkerAppHost
{
    protected override IEnumerable<KeyValuePair<string, string>> WorkerSettings() =>
    [
        .. base.WorkerSettings(),
        new("Pools__ext-gate__Capacity", "1"),
        new("Pools__ext-gate__TaskTypes", "gated-ext"),
        new("Pools__ext-gate__MinSamples", "100"),
    ];
}

/// <summary>An external worker's failure of a pooled task gives the pool's slot back, as an activity's failure does.</summary>
public class PooledExternalTaskTests(PooledExternalAppHost host) : IClassFixture<PooledExternalAppHost>
{
    [Fact]
    public async Task WorkerFails_PooledExternalTask_SlotReleasedForTheRetryAndTheNextTask()
    {
        await host.RegisterAsync("gate-worker", "\"gated-ext\"");
        using (var submit = await host.PostAsync("/api/tasks", """{"task_id":"gated-1","task_type":"gated-ext","max_retries":1}"""))
        {
            Assert.Equal(HttpStatusCode.Accepted, submit.StatusCode);
        }

        // Capacity 1: the retry (and later the second task) can only be leased if each failure gave the slot back.
        var first = await host.LeaseOneAsync("gate-worker");
        await FailAsync(first, retryable: true);
        var retry = await host.LeaseOneAsync("gate-worker");
        Assert.Equal(("gated-1", 2), (retry.GetProperty("task_id").GetString(), retry.GetProperty("attempt").GetInt32()));
        await FailAsync(retry, retryable: false);
        await host.WaitForTaskAsync("gated-1", t => t.GetProperty("status").GetString() == "failed");

        using (var submit = await host.PostAsync("/api/tasks", """{"task_id":"gated-2","task_type":"gated-ext"}"""))
        {
            Assert.Equal(HttpStatusCode.Accepted, submit.StatusCode);
        }

        var next = await host.LeaseOneAsync("gate-worker");
        Assert.Equal("gated-2", next.GetProperty("task_id").GetString());
        using (var complete = await host.PostAsync($"/api/leases/{next.GetProperty("lease_token").GetString()}/complete", """{"worker_id":"gate-worker","result":"ok"}"""))
        {
            Assert.Equal(HttpStatusCode.OK, complete.StatusCode);
        }

        await host.WaitForTaskAsync("gated-2", t => t.GetProperty("status").GetString() == "completed");
        await WaitForHeldAsync(0);
    }

    private async Task FailAsync(JsonElement lease, bool retryable)
    {
        var body = $$"""{"worker_id":"gate-worker","error":"{{(retryable ? "disk full" : "bad input")}}","retryable":{{(retryable ? "true" : "false")}}}""";
        using var fail = await host.PostAsync($"/api/leases/{lease.GetProperty("lease_token").GetString()}/fail", body);
        Assert.Equal(HttpStatusCode.OK, fail.StatusCode);
    }

    private async Task WaitForHeldAsync(int held)
    {
        var deadline = DateTime.UtcNow + AppHost.DefaultWait;
        while (true)
        {
            var all = await host.Http.GetFromJsonAsync<JsonElement>("/api/pools");
            var shard = all.GetProperty("pools").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "ext-gate").GetProperty("shards")[0];
            if (shard.GetProperty("held").GetInt32() == held)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"pool ext-gate never held {held}; last {shard}{host.Describe()}");
            await Task.Delay(50);
        }
    }
}
