using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ServerlessTasks.Tests.Callbacks;

namespace ServerlessTasks.Tests;

/// <summary>
/// Result caching (<c>cache: {ttl_seconds}</c>) through the real app on a fake durable clock: ages are durable time, so
/// a test expires an entry by advancing the clock while nothing waits on it.
/// </summary>
public sealed class ResultCacheTests(FakeClockAppHost host, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<FakeClockAppHost>
{
    private async Task<JsonElement> SubmitAndWaitAsync(string taskId, string payload, int ttl = 60, string type = "compute")
    {
        using (var submitted = await host.PostAsync("/api/tasks", $$$"""{"task_id":"{{{taskId}}}","task_type":"{{{type}}}","payload":{{{payload}}},"cache":{"ttl_seconds":{{{ttl}}}}}"""))
        {
            Assert.True(submitted.StatusCode == HttpStatusCode.Accepted, $"{taskId}: {(int)submitted.StatusCode} {await submitted.Content.ReadAsStringAsync()}");
        }

        return await Eventually.ReturnsAsync(
            () => host.Http.GetFromJsonAsync<JsonElement>($"/api/tasks/{taskId}"),
            t => t.GetProperty("status").GetString() == "completed",
            AppHost.DefaultWait,
            describe: host.Describe);
    }

    /// <summary>
    /// How many times the orchestration of a single task invoked <paramref name="activity"/>: its Durable history, condensed
    /// as Durable condenses it (a finished call is one TaskCompleted or TaskFailed event whose FunctionName is the activity).
    /// </summary>
    private async Task<int> ScheduledAsync(string taskId, string activity)
    {
        var instance = await host.Http.GetFromJsonAsync<JsonElement>($"/runtime/webhooks/durabletask/instances/task:{taskId}?showHistory=true");
        return instance.GetProperty("historyEvents").EnumerateArray()
            .Count(e => e.GetProperty("EventType").GetString() is "TaskScheduled" or "TaskCompleted" or "TaskFailed"
                && (e.TryGetProperty("FunctionName", out var name) || e.TryGetProperty("Name", out name)) && name.GetString() == activity);
    }

    private async Task<List<string>> EventKindsAsync(string taskId)
    {
        var events = await host.Http.GetFromJsonAsync<JsonElement>($"/api/tasks/{taskId}/events");
        return [.. events.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("kind").GetString()!)];
    }

    [Fact]
    public async Task SecondIdenticalTask_KeyOrderAndWhitespaceAside_CompletesFromCacheWithoutRunning()
    {
        var first = await SubmitAndWaitAsync("cache-same-1", """{"b":1,"a":[1,2],"iterations":3}""");
        Assert.Equal(1, first.GetProperty("attempts").GetInt32());
        Assert.False(first.TryGetProperty("cached", out _));
        Assert.Equal(1, await ScheduledAsync("cache-same-1", "ComputeActivity"));

        var second = await SubmitAndWaitAsync("cache-same-2", """{ "iterations" : 3, "a" : [ 1, 2 ], "b" : 1 }""");
        output.WriteLine(second.GetRawText());
        Assert.True(second.GetProperty("cached").GetBoolean());
        Assert.Equal(0, second.GetProperty("attempts").GetInt32());
        Assert.Equal(first.GetProperty("result").GetRawText(), second.GetProperty("result").GetRawText());
        Assert.Equal(0, await ScheduledAsync("cache-same-2", "ComputeActivity")); // the activity never ran for it
        var kinds = await EventKindsAsync("cache-same-2");
        Assert.Contains("task_cached", kinds);
        Assert.DoesNotContain("started", kinds);
    }

    [Fact]
    public async Task DifferentPayload_Runs()
    {
        await SubmitAndWaitAsync("cache-diff-1", """{"n":1}""", type: "echo");
        var other = await SubmitAndWaitAsync("cache-diff-2", """{"n":2}""", type: "echo");
        Assert.False(other.TryGetProperty("cached", out _));
        Assert.Equal(1, other.GetProperty("attempts").GetInt32());
        Assert.Equal(1, await ScheduledAsync("cache-diff-2", "EchoActivity"));
    }

    [Fact]
    public async Task ExpiredTtl_RunsAgain_AndStoresAFreshResult()
    {
        await SubmitAndWaitAsync("cache-ttl-1", """{"ttl":"case"}""", ttl: 30, type: "echo");
        // Nothing waits on the durable clock between the two tasks, so moving it cannot race a timer.
        host.Clock.Advance(TimeSpan.FromSeconds(31));
        var late = await SubmitAndWaitAsync("cache-ttl-2", """{"ttl":"case"}""", ttl: 30, type: "echo");
        Assert.False(late.TryGetProperty("cached", out _));
        Assert.Equal(1, await ScheduledAsync("cache-ttl-2", "EchoActivity"));
        // The fresh run stored again: a third within the TTL hits.
        var third = await SubmitAndWaitAsync("cache-ttl-3", """{"ttl":"case"}""", ttl: 30, type: "echo");
        Assert.True(third.GetProperty("cached").GetBoolean());
    }

    [Fact]
    public async Task WorkflowTask_SameAsAnEarlierOne_IsCachedInTheWorkflowView()
    {
        const string body = """
            {"workflow_id":"cache-wf-1","tasks":[
              {"task_id":"a","task_type":"echo","payload":{"wf":"x"},"cache":{"ttl_seconds":600}},
              {"task_id":"b","task_type":"echo","payload":{"wf":"x"},"cache":{"ttl_seconds":600},"dependencies":["a"]}]}
            """;
        await host.SubmitAsync(body);
        var workflow = await host.WaitForWorkflowAsync("cache-wf-1");
        var tasks = workflow.GetProperty("tasks").EnumerateArray().ToDictionary(t => t.GetProperty("task_id").GetString()!);
        Assert.False(tasks["a"].TryGetProperty("cached", out _));
        Assert.True(tasks["b"].GetProperty("cached").GetBoolean());
        Assert.Equal(0, tasks["b"].GetProperty("attempts").GetInt32());
        Assert.Equal("completed", workflow.GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("""{"task_type":"echo","cache":{"ttl_seconds":0}}""", "cache.ttl_seconds")]
    [InlineData("""{"task_type":"echo","cache":{"ttl_seconds":604801}}""", "cache.ttl_seconds")]
    [InlineData("""{"task_type":"echo","cache":{}}""", "cache.ttl_seconds")]
    [InlineData("""{"task_type":"http","payload":{"url":"http://127.0.0.1:9/"},"cache":{"ttl_seconds":60}}""", "compute, echo")]
    [InlineData("""{"task_type":"resize","cache":{"ttl_seconds":60}}""", "compute, echo")]
    public async Task InvalidCache_Is422NamingTheProblem(string task, string named)
    {
        foreach (var (path, body) in new[] { ("/api/tasks", task), ("/api/workflows", $$"""{"tasks":[{{task}}]}""") })
        {
            using var response = await host.PostAsync(path, body);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.UnprocessableEntity, $"{path} {body}: {(int)response.StatusCode} {text}");
            Assert.Contains(named, text, StringComparison.Ordinal);
            Assert.Contains("invalid_cache", text, StringComparison.Ordinal);
        }
    }
}
