using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ServerlessTasks.Tests.Workers;

namespace ServerlessTasks.Tests.Health;

/// <summary><c>GET /api/health</c> goes degraded with the reason when a worker dies or work backs up, and recovers.</summary>
public sealed class HealthTests(WorkerAppHost host) : IClassFixture<WorkerAppHost>
{
    private async Task<JsonElement> WaitForHealthAsync(string status, Func<JsonElement, bool>? also = null)
    {
        var deadline = DateTime.UtcNow + AppHost.DefaultWait;
        JsonElement last = default;
        while (true)
        {
            using var response = await host.Http.GetAsync("/api/health");
            last = await response.Content.ReadFromJsonAsync<JsonElement>();
            if (last.GetProperty("status").GetString() == status && (also?.Invoke(last) ?? true))
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                return last;
            }

            Assert.True(DateTime.UtcNow < deadline, $"health never became {status}: {last}{host.Describe()}");
            await Task.Delay(200);
        }
    }

    private static string Reasons(JsonElement health) => string.Join(" | ", health.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()));

    [Fact]
    public async Task Health_WorkerDiesThenHeartbeats_DegradedThenHealthy_BacklogThenDrained()
    {
        var healthy = await WaitForHealthAsync("healthy");
        Assert.Empty(healthy.GetProperty("reasons").EnumerateArray());
        foreach (var check in new[] { "task_store", "work_queue", "workers", "durable" })
        {
            Assert.Equal("healthy", healthy.GetProperty("checks").GetProperty(check).GetProperty("status").GetString());
        }

        await host.RegisterAsync("health-w1", "\"health-type\"");
        var dead = await WaitForHealthAsync("degraded", h => Reasons(h).Contains("'health-w1'", StringComparison.Ordinal));
        Assert.Contains("workers: 1 workers dead", Reasons(dead), StringComparison.Ordinal);
        Assert.Equal(1, dead.GetProperty("checks").GetProperty("workers").GetProperty("data").GetProperty("dead").GetInt32());

        using (var beat = await host.PostAsync("/api/workers/health-w1/heartbeat", """{"status":"active","current_tasks":0}"""))
        {
            Assert.Equal(HttpStatusCode.OK, beat.StatusCode);
        }

        // Deregistered: nothing dead, nothing waiting.
        using (var gone = await host.Http.DeleteAsync("/api/workers/health-w1"))
        {
            Assert.Equal(HttpStatusCode.NoContent, gone.StatusCode);
        }

        await WaitForHealthAsync("healthy");

        using (var submit = await host.PostAsync("/api/tasks", """{"task_id":"backlog-1","task_type":"health-type"}"""))
        {
            Assert.Equal(HttpStatusCode.Accepted, submit.StatusCode);
        }

        var backedUp = await WaitForHealthAsync("degraded", h => Reasons(h).Contains("task_type 'health-type'", StringComparison.Ordinal));
        Assert.Equal(1, backedUp.GetProperty("checks").GetProperty("work_queue").GetProperty("data").GetProperty("waiting").GetInt32());

        await host.RegisterAsync("health-w2", "\"health-type\"");
        var lease = await host.LeaseOneAsync("health-w2");
        using (var complete = await host.PostAsync($"/api/leases/{lease.GetProperty("lease_token").GetString()}/complete", """{"worker_id":"health-w2","result":1}"""))
        {
            Assert.Equal(HttpStatusCode.OK, complete.StatusCode);
        }

        using (var gone = await host.Http.DeleteAsync("/api/workers/health-w2"))
        {
            Assert.Equal(HttpStatusCode.NoContent, gone.StatusCode);
        }

        await WaitForHealthAsync("healthy");
    }
}
