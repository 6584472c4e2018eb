using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ServerlessTasks.Tests.Callbacks;

namespace ServerlessTasks.Tests.DeadLetters;

/// <summary>
/// Dead-lettered single tasks on the real app: listed, redriven one at a time, concurrently and by filter; a
/// redriven task runs with a fresh attempt budget, its attempts numbered on, and commits its result once.
/// </summary>
public class TaskRedriveTests(AppHost host) : IClassFixture<AppHost>
{
    [Fact]
    public async Task RedriveTask_DeadLetteredTask_RunsOnceMoreAndCompletesOnce()
    {
        // Attempts 1 and 2 fail (max_retries 1): dead-lettered. The redrive's first attempt (3) succeeds.
        await SubmitAndFailAsync("""{"task_id":"dl-once","task_type":"fail","payload":{"fail_times":2},"max_retries":1}""");
        var failed = await GetTaskAsync("dl-once");
        Assert.Equal("failed", failed.GetProperty("status").GetString());
        Assert.Equal(2, failed.GetProperty("attempts").GetInt32());
        Assert.Equal("deliberate failure (attempt 2)", failed.GetProperty("error").GetString());

        var letters = await host.Http.GetFromJsonAsync<JsonElement>("/api/dead-letters/tasks?task_type=fail");
        var letter = letters.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("task_id").GetString() == "dl-once");
        Assert.Equal("deliberate failure (attempt 2)", letter.GetProperty("error").GetString());
        Assert.Equal(2, letter.GetProperty("attempts").GetInt32());
        Assert.Equal(0, letter.GetProperty("redrives").GetInt32());
        Assert.Equal(failed.GetProperty("completed_at").GetDateTimeOffset(), letter.GetProperty("failed_at").GetDateTimeOffset());
        var listed = await host.Http.GetFromJsonAsync<JsonElement>("/api/tasks?status=failed&limit=1000");
        Assert.Contains(listed.GetProperty("items").EnumerateArray(), i => i.GetProperty("task_id").GetString() == "dl-once");

        using var redrive = await host.PostAsync("/api/tasks/dl-once/redrive", "");
        var body = await redrive.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(redrive.StatusCode == HttpStatusCode.Accepted, $"{(int)redrive.StatusCode} {body}");
        Assert.Equal("dl-once", body.GetProperty("task_id").GetString());
        Assert.EndsWith("/api/tasks/dl-once", body.GetProperty("status_url").GetString(), StringComparison.Ordinal);
        var output = await host.PollUntilDoneAsync(body.GetProperty("statusQueryGetUri").GetString()!);
        Assert.Equal("Completed", output.GetProperty("runtimeStatus").GetString());

        var task = await GetTaskAsync("dl-once");
        Assert.Equal("completed", task.GetProperty("status").GetString());
        Assert.Equal(3, task.GetProperty("attempts").GetInt32());
        Assert.Equal(3, task.GetProperty("result").GetProperty("succeeded_on_attempt").GetInt32());
        Assert.Equal(1, task.GetProperty("redrives").GetInt32());
        Assert.Equal(JsonValueKind.Null, task.GetProperty("error").ValueKind);

        var events = await EventsAsync("dl-once");
        // The activity ran once more: attempts 1 and 2 failed (retried, failed), attempt 3 is the only new one and
        // the only one that started and completed.
        Assert.Equal(new[] { 1 }, Attempts(events, "retried"));
        Assert.Equal(new[] { 2 }, Attempts(events, "failed"));
        Assert.Equal(new[] { 3 }, Attempts(events, "started"));
        Assert.Equal(new[] { 3 }, Attempts(events, "redriven"));
        Assert.Equal(new[] { 3 }, Attempts(events, "dispatched").Skip(1));
        Assert.Equal(new[] { 3 }, Attempts(events, "completed"));
        // HLC order: the redrive follows the failure, the new attempt follows the redrive.
        var kinds = events.Select(e => e.GetProperty("kind").GetString()).ToList();
        Assert.True(kinds.IndexOf("failed") < kinds.IndexOf("redriven") && kinds.IndexOf("redriven") < kinds.LastIndexOf("started"), string.Join(",", kinds));
        Assert.Equal(task.GetProperty("hlc").GetString(), events[^1].GetProperty("hlc").GetString());

        // Completed now: a second redrive is refused and changes nothing.
        using var again = await host.PostAsync("/api/tasks/dl-once/redrive", "");
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("application/problem+json", again.Content.Headers.ContentType?.MediaType);
        var problem = await again.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Task 'dl-once' is completed: only a failed (dead-lettered) task can be redriven.", problem.GetProperty("detail").GetString());
        Assert.Equal("completed", problem.GetProperty("errors")[0].GetProperty("status").GetString());
        Assert.Equal(events.Count, (await EventsAsync("dl-once")).Count);
        Assert.DoesNotContain((await host.Http.GetFromJsonAsync<JsonElement>("/api/dead-letters/tasks")).GetProperty("items").EnumerateArray(),
            i => i.GetProperty("task_id").GetString() == "dl-once");
    }

    [Fact]
    public async Task RedriveTask_SkippedDependents_RunOnceWhenTheirFailedDependenciesComplete()
    {
        // dl-a and dl-x fail once (attempt 1); dl-b waits for dl-a, dl-c for dl-b, dl-d for dl-a and dl-x: all skipped.
        await SubmitAndFailAsync("""{"task_id":"dl-a","task_type":"fail","payload":{"fail_times":1},"max_retries":0}""");
        await SubmitAndFailAsync("""{"task_id":"dl-x","task_type":"fail","payload":{"fail_times":1},"max_retries":0}""");
        foreach (var (task, dependencies) in new[] { ("dl-b", "\"dl-a\""), ("dl-c", "\"dl-b\""), ("dl-d", "\"dl-a\",\"dl-x\"") })
        {
            using var submit = await host.PostAsync("/api/tasks", $$"""{"task_id":"{{task}}","task_type":"echo","payload":"{{task}}","dependencies":[{{dependencies}}]}""");
            Assert.Equal(HttpStatusCode.Accepted, submit.StatusCode);
            await host.PollUntilDoneAsync((await submit.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("statusQueryGetUri").GetString()!);
        }

        Assert.Equal("dependency_failed: dependency 'dl-a' failed", (await GetTaskAsync("dl-b")).GetProperty("error").GetString());
        Assert.Equal("dependency_failed: dependency 'dl-b' skipped", (await GetTaskAsync("dl-c")).GetProperty("error").GetString());
        Assert.Equal("skipped", (await GetTaskAsync("dl-d")).GetProperty("status").GetString());

        await RedriveAndWaitAsync("dl-a");
        // dl-a's redrive claimed its dependents before its orchestration ended: dl-b, and dl-c after it, run; dl-d stays
        // skipped, since dl-x is still failed.
        var b = await WaitForTaskAsync("dl-b", t => t.GetProperty("status").GetString() == "completed");
        var c = await WaitForTaskAsync("dl-c", t => t.GetProperty("status").GetString() == "completed");
        Assert.Equal("dl-b", b.GetProperty("result").GetString());
        Assert.Equal("dl-c", c.GetProperty("result").GetString());
        foreach (var task in new[] { b, c })
        {
            Assert.Equal(1, task.GetProperty("attempts").GetInt32());
            Assert.Equal(1, task.GetProperty("redrives").GetInt32());
            Assert.Equal(JsonValueKind.Null, task.GetProperty("error").ValueKind);
        }

        var d = await GetTaskAsync("dl-d");
        Assert.Equal("skipped", d.GetProperty("status").GetString());
        Assert.False(d.TryGetProperty("redrives", out _));

        await RedriveAndWaitAsync("dl-x");
        d = await WaitForTaskAsync("dl-d", t => t.GetProperty("status").GetString() == "completed");
        Assert.Equal("dl-d", d.GetProperty("result").GetString());
        Assert.Equal(1, d.GetProperty("redrives").GetInt32());

        // Each ran exactly once: one redriven event, one attempt started and completed, after the skip.
        foreach (var task in new[] { "dl-b", "dl-c", "dl-d" })
        {
            var events = await EventsAsync(task);
            Assert.Equal(new[] { "submitted", "skipped", "redriven", "ready", "dispatched", "started", "completed" }, events.Select(e => e.GetProperty("kind").GetString()));
            Assert.Equal(new[] { 1 }, Attempts(events, "started"));
        }

        // Completed now: a second redrive is refused.
        using var again = await host.PostAsync("/api/tasks/dl-b/redrive", "");
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("completed", (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors")[0].GetProperty("status").GetString());
    }

    [Fact]
    public async Task RedriveTask_EightConcurrentRedrives_StartOneRun()
    {
        await SubmitAndFailAsync("""{"task_id":"dl-race","task_type":"fail","payload":{"fail_times":1},"max_retries":0}""");

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => host.PostAsync("/api/tasks/dl-race/redrive", "")));
        try
        {
            Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.Accepted));
            Assert.Equal(7, responses.Count(r => r.StatusCode == HttpStatusCode.Conflict));
            var accepted = await responses.Single(r => r.StatusCode == HttpStatusCode.Accepted).Content.ReadFromJsonAsync<JsonElement>();
            await host.PollUntilDoneAsync(accepted.GetProperty("statusQueryGetUri").GetString()!);
        }
        finally
        {
            foreach (var response in responses)
            {
                response.Dispose();
            }
        }

        var task = await GetTaskAsync("dl-race");
        Assert.Equal("completed", task.GetProperty("status").GetString());
        Assert.Equal(2, task.GetProperty("attempts").GetInt32());
        Assert.Equal(1, task.GetProperty("redrives").GetInt32());
        var events = await EventsAsync("dl-race");
        Assert.Equal(new[] { 1 }, Attempts(events, "failed"));
        Assert.Equal(new[] { 2 }, Attempts(events, "started"));
        Assert.Equal(new[] { 2 }, Attempts(events, "redriven"));
        Assert.Equal(new[] { 2 }, Attempts(events, "completed"));
    }

    [Fact]
    public async Task RedriveTaskDeadLetters_ByTypeSinceAndLimit_RedrivesOldestMatchingFirst()
    {
        var since = DateTimeOffset.UtcNow;
        await SubmitAndFailAsync("""{"task_id":"dl-f1","task_type":"fail","payload":{"fail_times":1},"max_retries":0}""");
        await SubmitAndFailAsync("""{"task_id":"dl-f2","task_type":"fail","payload":{"fail_times":1},"max_retries":0}""");
        await SubmitAndFailAsync("""{"task_id":"dl-d1","task_type":"delay","payload":{"seconds":60},"timeout":0.2,"max_retries":0}""");
        var filter = $$"""{"task_type":"fail","failed_since":"{{since:O}}","limit":1}""";

        var first = await RedriveByFilterAsync(filter);
        Assert.Equal(new[] { "dl-f1" }, first.GetProperty("redriven").EnumerateArray().Select(r => r.GetProperty("task_id").GetString()));
        Assert.Equal(1, first.GetProperty("redriven")[0].GetProperty("redrives").GetInt32());
        Assert.Empty(first.GetProperty("refused").EnumerateArray());
        await host.PollUntilDoneAsync(first.GetProperty("redriven")[0].GetProperty("statusQueryGetUri").GetString()!);

        var second = await RedriveByFilterAsync(filter.Replace("\"limit\":1", "\"limit\":10", StringComparison.Ordinal));
        Assert.Equal(new[] { "dl-f2" }, second.GetProperty("redriven").EnumerateArray().Select(r => r.GetProperty("task_id").GetString()));
        await host.PollUntilDoneAsync(second.GetProperty("redriven")[0].GetProperty("statusQueryGetUri").GetString()!);

        Assert.Equal("completed", (await GetTaskAsync("dl-f1")).GetProperty("status").GetString());
        Assert.Equal("completed", (await GetTaskAsync("dl-f2")).GetProperty("status").GetString());
        var delay = await GetTaskAsync("dl-d1");
        Assert.Equal("failed", delay.GetProperty("status").GetString());
        Assert.False(delay.TryGetProperty("redrives", out _));
        var letters = await host.Http.GetFromJsonAsync<JsonElement>($"/api/dead-letters/tasks?failed_since={Uri.EscapeDataString(since.ToString("O"))}");
        Assert.Equal(new[] { "dl-d1" }, letters.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("task_id").GetString()));
        Assert.Equal("timed out after 0.2 s", letters.GetProperty("items")[0].GetProperty("error").GetString());
    }

    [Fact]
    public async Task RedriveTask_WithCompletionCallback_DeliversEachRunsOutcome()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await SubmitAndFailAsync($$$"""{"task_id":"dl-hook","task_type":"fail","payload":{"fail_times":1},"max_retries":0,"callback":{"url":"{{{receiver.Url()}}}","token":"ref-1"}}""");
        await Eventually.ReturnsAsync(() => Task.FromResult(receiver.Received.Count), n => n >= 1, AppHost.DefaultWait);

        using (var redrive = await host.PostAsync("/api/tasks/dl-hook/redrive", ""))
        {
            Assert.Equal(HttpStatusCode.Accepted, redrive.StatusCode);
            await host.PollUntilDoneAsync((await redrive.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("statusQueryGetUri").GetString()!);
        }

        await Eventually.ReturnsAsync(() => Task.FromResult(receiver.Received.Count), n => n >= 2, AppHost.DefaultWait);
        var bodies = receiver.Received.Select(r => JsonDocument.Parse(r.Body).RootElement).ToList();
        Assert.Equal(2, bodies.Count);
        Assert.Equal(new[] { "failed", "completed" }, bodies.Select(b => b.GetProperty("status").GetString()));
        Assert.All(bodies, b => Assert.Equal("ref-1", b.GetProperty("token").GetString()));
        Assert.Equal(2, bodies[1].GetProperty("result").GetProperty("succeeded_on_attempt").GetInt32());
        Assert.NotEqual(receiver.Received[0].Id, receiver.Received[1].Id);
        var task = await Eventually.ReturnsAsync(() => GetTaskAsync("dl-hook"), t => t.GetProperty("callback").GetProperty("status").GetString() == "delivered", AppHost.DefaultWait);
        Assert.Equal(receiver.Received[1].Id, task.GetProperty("callback").GetProperty("webhook_id").GetString());
    }

    [Theory]
    [InlineData("/api/tasks/no-such-task/redrive", "", "application/json", 404)]
    [InlineData("/api/dead-letters/tasks/redrive", """{"limit":0}""", "application/json", 422)]
    [InlineData("/api/dead-letters/tasks/redrive", """{"failed_since":"2026-12-02T00:00:00Z","failed_until":"2026-12-01T00:00:00Z"}""", "application/json", 422)]
    [InlineData("/api/dead-letters/tasks/redrive", """{"limit":"many"}""", "application/json", 400)]
    [InlineData("/api/dead-letters/tasks/redrive", """{"task_type":""", "application/json", 400)]
    [InlineData("/api/dead-letters/tasks/redrive", "task_type=fail", "text/plain", 415)]
    public async Task Redrive_BadRequest_ProblemJsonAndNothingStarted(string path, string body, string contentType, int status)
    {
        using var response = await host.PostAsync(path, body, contentType);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("detail").GetString()));
    }

    [Fact]
    public async Task ListTaskDeadLetters_BadTime_Is400()
    {
        using var response = await host.Http.GetAsync("/api/dead-letters/tasks?failed_since=yesterday");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task RedriveTask_WhileWaitingForApproval_409NamingPending()
    {
        using (var submit = await host.PostAsync("/api/tasks", """{"task_id":"dl-running","task_type":"approval","timeout":600}"""))
        {
            Assert.Equal(HttpStatusCode.Accepted, submit.StatusCode);
        }

        await WaitForTaskAsync("dl-running", t => t.GetProperty("status").GetString() == "running");
        using var response = await host.PostAsync("/api/tasks/dl-running/redrive", "");

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Task 'dl-running' is running: only a failed (dead-lettered) task can be redriven.", problem.GetProperty("detail").GetString());
        Assert.Equal("running", problem.GetProperty("errors")[0].GetProperty("status").GetString());
        using var cancel = await host.PostAsync("/api/tasks/dl-running/cancel", "");
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
    }

    private async Task SubmitAndFailAsync(string json)
    {
        using var response = await host.PostAsync("/api/tasks", json);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode} {body}");
        // Done once the orchestration finished (the index says failed a moment before it returns).
        await host.PollUntilDoneAsync(body.GetProperty("statusQueryGetUri").GetString()!);
        Assert.Equal("failed", (await GetTaskAsync(body.GetProperty("task_id").GetString()!)).GetProperty("status").GetString());
    }

    private async Task RedriveAndWaitAsync(string taskId)
    {
        using var redrive = await host.PostAsync($"/api/tasks/{taskId}/redrive", "");
        var body = await redrive.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(redrive.StatusCode == HttpStatusCode.Accepted, $"{(int)redrive.StatusCode} {body}");
        var output = await host.PollUntilDoneAsync(body.GetProperty("statusQueryGetUri").GetString()!);
        Assert.Equal("Completed", output.GetProperty("runtimeStatus").GetString());
        Assert.Equal("completed", (await GetTaskAsync(taskId)).GetProperty("status").GetString());
    }

    private async Task<JsonElement> RedriveByFilterAsync(string filter)
    {
        using var response = await host.PostAsync("/api/dead-letters/tasks/redrive", filter);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode} {body}");
        return body;
    }

    private Task<JsonElement> GetTaskAsync(string taskId) => host.Http.GetFromJsonAsync<JsonElement>($"/api/tasks/{taskId}");

    private async Task<JsonElement> WaitForTaskAsync(string taskId, Func<JsonElement, bool> condition)
    {
        var deadline = DateTime.UtcNow + AppHost.DefaultWait;
        while (true)
        {
            using var response = await host.Http.GetAsync($"/api/tasks/{taskId}");
            if (response.StatusCode == HttpStatusCode.OK && await response.Content.ReadFromJsonAsync<JsonElement>() is var task && condition(task))
            {
                return task;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Task {taskId} never reached the expected state.{host.Describe()}");
            await Task.Delay(20);
        }
    }

    private async Task<List<JsonElement>> EventsAsync(string taskId) =>
        [.. (await host.Http.GetFromJsonAsync<JsonElement>($"/api/tasks/{taskId}/events")).GetProperty("events").EnumerateArray()];

    private static List<int> Attempts(List<JsonElement> events, string kind) =>
        [.. events.Where(e => e.GetProperty("kind").GetString() == kind).Select(e => e.GetProperty("attempt").GetInt32())];
}
