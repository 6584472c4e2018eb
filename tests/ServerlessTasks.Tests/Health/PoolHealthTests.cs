using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace ServerlessTasks.Tests.Health;

/// <summary>The app with two pools for health: <c>hold</c> (capacity 2) over approval tasks, <c>brk</c> (capacity 4, breaker after 4 samples at 50% failures) over fail tasks.</summary>
public sealed class PoolHealthAppHost : AppHost
{
    protected override IEnumerable<KeyValuePair<string, string>> WorkerSettings() =>
    [
        new("Pools__hold__Capacity", "2"),
        new("Pools__hold__TaskTypes", "approval"),
        new("Pools__brk__Capacity", "4"),
        new("Pools__brk__TaskTypes", "fail"),
        new("Pools__brk__MinSamples", "4"),
        new("Pools__brk__BreakerFailureRate", "0.5"),
        new("Pools__brk__BreakerOpenSeconds", "600"),
    ];
}

/// <summary><c>GET /api/health</c>'s <c>pools</c> check over HTTP: slots in use against capacity per pool, and degraded while a breaker is open.</summary>
public sealed class PoolHealthTests(PoolHealthAppHost host) : IClassFixture<PoolHealthAppHost>
{
    private async Task<JsonElement> WaitForPoolsAsync(Func<JsonElement, bool> condition)
    {
        var deadline = DateTime.UtcNow + AppHost.DefaultWait;
        JsonElement last = default;
        while (true)
        {
            using var response = await host.Http.GetAsync("/api/health");
            last = await response.Content.ReadFromJsonAsync<JsonElement>();
            if (condition(last))
            {
                return last;
            }

            Assert.True(DateTime.UtcNow < deadline, $"health never reached the expected pools state; last {last}{host.Describe()}");
            await Task.Delay(100);
        }
    }

    private static JsonElement Pool(JsonElement health, string name) => health.GetProperty("checks").GetProperty("pools").GetProperty("data").GetProperty(name);

    [Fact]
    public async Task Health_ApprovalHoldsAPoolSlot_InUseOverCapacityThenReleased()
    {
        var idle = await WaitForPoolsAsync(h => Pool(h, "hold").GetProperty("in_use").GetInt32() == 0);
        Assert.Equal(2, Pool(idle, "hold").GetProperty("capacity").GetInt32());
        Assert.Equal(2, Pool(idle, "hold").GetProperty("max_capacity").GetInt32());
        Assert.Equal("closed", Pool(idle, "hold").GetProperty("breaker").GetString());

        using (var submit = await host.PostAsync("/api/tasks", """{"task_id":"ph-hold-1","task_type":"approval"}"""))
        {
            Assert.Equal(HttpStatusCode.Accepted, submit.StatusCode);
        }

        var held = await WaitForPoolsAsync(h => Pool(h, "hold").GetProperty("in_use").GetInt32() == 1);
        Assert.Equal(0.5, Pool(held, "hold").GetProperty("utilisation").GetDouble());
        Assert.Equal(0, Pool(held, "hold").GetProperty("waiting").GetInt32());
        Assert.DoesNotContain(held.GetProperty("reasons").EnumerateArray(), r => r.GetString()!.Contains("pool 'hold'", StringComparison.Ordinal));

        using (var approve = await host.PostAsync("/runtime/webhooks/durabletask/instances/task:ph-hold-1/raiseEvent/approval:ph-hold-1", "\"go\""))
        {
            Assert.Equal(HttpStatusCode.Accepted, approve.StatusCode);
        }

        var released = await WaitForPoolsAsync(h => Pool(h, "hold").GetProperty("in_use").GetInt32() == 0);
        Assert.Equal(0, Pool(released, "hold").GetProperty("utilisation").GetDouble());
    }

    [Fact]
    public async Task Health_PoolBreakerOpens_DegradedNamingThePool()
    {
        for (var i = 0; i < 4; i++)
        {
            using var response = await host.PostAsync("/api/tasks", $$"""{"task_id":"ph-fail-{{i}}","task_type":"fail"}""");
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        var open = await WaitForPoolsAsync(h => Pool(h, "brk").GetProperty("breaker").GetString() == "open");

        Assert.Equal("degraded", open.GetProperty("status").GetString());
        Assert.Equal("degraded", open.GetProperty("checks").GetProperty("pools").GetProperty("status").GetString());
        Assert.Contains(open.GetProperty("reasons").EnumerateArray(), r => r.GetString()!.StartsWith("pools: pool 'brk': breaker open", StringComparison.Ordinal));
        Assert.Equal(0, Pool(open, "brk").GetProperty("capacity").GetInt32()); // nothing is granted while open
        Assert.Equal(0, Pool(open, "brk").GetProperty("in_use").GetInt32());
    }
}
