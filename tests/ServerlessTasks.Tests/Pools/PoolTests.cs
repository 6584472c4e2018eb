using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace ServerlessTasks.Tests.Pools;

/// <summary>The app with two pools: <c>gate</c> (capacity 1, strict priority) over approval and delay tasks, <c>flaky</c> over fail tasks.</summary>
public sealed class PoolAppHost : AppHost
{
    protected override IEnumerable<KeyValuePair<string, string>> WorkerSettings() =>
    [
        new("Pools__gate__Capacity", "1"),
        new("Pools__gate__TaskTypes", "approval,delay"),
        new("Pools__gate__Policy__Name", "strict_priority"),
        new("Pools__flaky__Capacity", "4"),
        new("Pools__flaky__TaskTypes", "fail"),
        new("Pools__flaky__MinSamples", "4"),
        new("Pools__flaky__BreakerFailureRate", "0.5"),
        new("Pools__flaky__BreakerOpenSeconds", "600"),
    ];
}

/// <summary>Pools through the real app: grants in priority order across separate submissions, a breaker that opens.</summary>
public class PoolTests(PoolAppHost host) : IClassFixture<PoolAppHost>
{
    private async Task<JsonElement> ShardAsync(string pool)
    {
        var all = await host.Http.GetFromJsonAsync<JsonElement>("/api/pools");
        return all.GetProperty("pools").EnumerateArray().Single(p => p.GetProperty("name").GetString() == pool).GetProperty("shards")[0];
    }

    private async Task<JsonElement> WaitForShardAsync(string pool, Func<JsonElement, bool> condition)
    {
        var deadline = DateTime.UtcNow + AppHost.DefaultWait;
        while (true)
        {
            var shard = await ShardAsync(pool);
            if (condition(shard))
            {
                return shard;
            }

            Assert.True(DateTime.UtcNow < deadline, $"pool {pool} never reached the state; last {shard}{host.Describe()}");
            await Task.Delay(50);
        }
    }

    private async Task<JsonElement> WaitForTaskAsync(string id)
    {
        var deadline = DateTime.UtcNow + AppHost.DefaultWait;
        while (true)
        {
            using var response = await host.Http.GetAsync($"/api/tasks/{id}");
            if (response.StatusCode == HttpStatusCode.OK)
            {
                var task = await response.Content.ReadFromJsonAsync<JsonElement>();
                if (task.GetProperty("status").GetString() is not ("pending" or "running"))
                {
                    return task;
                }
            }

            Assert.True(DateTime.UtcNow < deadline, $"task {id} never finished{host.Describe()}");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task SingleTasks_Priorities1To10BehindABacklog_StartInPriorityOrder()
    {
        using (var blocker = await host.PostAsync("/api/tasks", """{"task_id":"gate-holder","task_type":"approval","priority":1}"""))
        {
            Assert.Equal(HttpStatusCode.Accepted, blocker.StatusCode);
        }

        await WaitForShardAsync("gate", s => s.GetProperty("held").GetInt32() == 1);
        int[] submitted = [3, 7, 1, 10, 5, 2, 9, 4, 8, 6];
        foreach (var priority in submitted)
        {
            using var response = await host.PostAsync("/api/tasks", $$"""{"task_id":"gate-p{{priority}}","task_type":"delay","payload":{"seconds":0.1},"priority":{{priority}}}""");
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        await WaitForShardAsync("gate", s => s.GetProperty("waiting").GetInt32() == 10);
        using (var approve = await host.PostAsync("/runtime/webhooks/durabletask/instances/task:gate-holder/raiseEvent/approval:gate-holder", "\"go\""))
        {
            Assert.Equal(HttpStatusCode.Accepted, approve.StatusCode);
        }

        var finished = new List<(int Priority, DateTimeOffset At)>();
        foreach (var priority in submitted)
        {
            var task = await WaitForTaskAsync($"gate-p{priority}");
            Assert.Equal("completed", task.GetProperty("status").GetString());
            finished.Add((priority, task.GetProperty("completed_at").GetDateTimeOffset()));
        }

        // One slot: each ran alone, so finishing order is start order.
        Assert.Equal([10, 9, 8, 7, 6, 5, 4, 3, 2, 1], finished.OrderBy(f => f.At).Select(f => f.Priority).ToList());
        var shard = await WaitForShardAsync("gate", s => s.GetProperty("held").GetInt32() == 0);
        Assert.Equal(11, shard.GetProperty("grants").GetInt64());
    }

    [Fact]
    public async Task FailingDependency_BreakerOpens_AndLaterAttemptsWaitInsteadOfRunning()
    {
        for (var i = 0; i < 4; i++)
        {
            using var response = await host.PostAsync("/api/tasks", $$"""{"task_id":"flaky-{{i}}","task_type":"fail"}""");
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        for (var i = 0; i < 4; i++)
        {
            Assert.Equal("failed", (await WaitForTaskAsync($"flaky-{i}")).GetProperty("status").GetString());
        }

        var open = await WaitForShardAsync("flaky", s => s.GetProperty("breaker").GetString() == "open");
        Assert.Equal(4, open.GetProperty("failures").GetInt64());
        Assert.True(open.GetProperty("capacity").GetDouble() < 4, open.ToString());
        using (var late = await host.PostAsync("/api/tasks", """{"task_id":"flaky-late","task_type":"fail"}"""))
        {
            Assert.Equal(HttpStatusCode.Accepted, late.StatusCode);
        }

        var waiting = await WaitForShardAsync("flaky", s => s.GetProperty("waiting").GetInt32() == 1);
        Assert.Equal(4, waiting.GetProperty("grants").GetInt64()); // the late attempt did not run: no attempt burnt
        var task = await host.Http.GetFromJsonAsync<JsonElement>("/api/tasks/flaky-late");
        Assert.Equal("running", task.GetProperty("status").GetString());
    }
}
