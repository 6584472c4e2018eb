using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace ServerlessTasks.Tests;

public class TaskApiTests(AppHost host) : IClassFixture<AppHost>
{
    private async Task<JsonElement> WaitForTaskAsync(string taskId, Func<JsonElement, bool> condition)
    {
        var deadline = DateTime.UtcNow + AppHost.DefaultWait;
        while (true)
        {
            using var response = await host.Http.GetAsync($"/api/tasks/{taskId}");
            if (response.StatusCode == HttpStatusCode.OK)
            {
                var task = await response.Content.ReadFromJsonAsync<JsonElement>();
                if (condition(task))
                {
                    return task;
                }
            }

            Assert.True(DateTime.UtcNow < deadline, $"Task {taskId} never reached the expected state.{host.Describe()}");
            await Task.Delay(10);
        }
    }

    private static bool Is(JsonElement task, string status) => task.GetProperty("status").GetString() == status;

    [Fact]
    public async Task SubmitTask_Echo_CompletesInTheSeedShape()
    {
        using var response = await host.PostAsync("/api/tasks", """{"task_id":"single-1","task_type":"echo","payload":{"v":7},"priority":8}""");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var check = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("single-1", check.GetProperty("task_id").GetString());
        var task = await WaitForTaskAsync("single-1", t => Is(t, "completed"));
        Assert.Equal(7, task.GetProperty("result").GetProperty("v").GetInt32());
        Assert.Equal(8, task.GetProperty("priority").GetInt32());
        Assert.Equal(1, task.GetProperty("attempts").GetInt32());
        foreach (var field in new[] { "task_id", "status", "created_at", "started_at", "completed_at", "result", "attempts", "priority" })
        {
            Assert.True(task.TryGetProperty(field, out _), $"missing {field}");
        }
    }

    [Fact]
    public async Task SubmitTask_DependsOnEarlierTask_WaitsForItsCompletionEvent()
    {
        using (var gate = await host.PostAsync("/api/tasks", """{"task_id":"gate-1","task_type":"approval"}"""))
        {
            Assert.Equal(HttpStatusCode.Accepted, gate.StatusCode);
        }

        await WaitForTaskAsync("gate-1", t => Is(t, "running"));
        using (var dependent = await host.PostAsync("/api/tasks", """{"task_id":"after-gate-1","task_type":"echo","payload":"go","dependencies":["gate-1"]}"""))
        {
            Assert.Equal(HttpStatusCode.Accepted, dependent.StatusCode);
        }

        var waiting = await WaitForTaskAsync("after-gate-1", t => Is(t, "pending"));
        Assert.Equal(JsonValueKind.Null, waiting.GetProperty("started_at").ValueKind);

        using (var approve = await host.PostAsync("/runtime/webhooks/durabletask/instances/task:gate-1/raiseEvent/approval:gate-1", "\"yes\""))
        {
            Assert.Equal(HttpStatusCode.Accepted, approve.StatusCode);
        }

        var done = await WaitForTaskAsync("after-gate-1", t => Is(t, "completed"));
        var gateDone = await WaitForTaskAsync("gate-1", t => Is(t, "completed"));
        Assert.True(done.GetProperty("started_at").GetDateTimeOffset() >= gateDone.GetProperty("completed_at").GetDateTimeOffset());
    }

    [Fact]
    public async Task SubmitTask_DependencyFailed_IsSkippedNamingIt()
    {
        using (await host.PostAsync("/api/tasks", """{"task_id":"bad-dep-1","task_type":"fail"}"""))
        {
        }

        await WaitForTaskAsync("bad-dep-1", t => Is(t, "failed"));
        using (await host.PostAsync("/api/tasks", """{"task_id":"after-bad-1","task_type":"echo","dependencies":["bad-dep-1"]}"""))
        {
        }

        var skipped = await WaitForTaskAsync("after-bad-1", t => Is(t, "skipped"));
        Assert.Contains("bad-dep-1", skipped.GetProperty("error").GetString());
    }

    [Fact]
    public async Task SubmitTask_UnknownDependency_Is422AndCreatesNothing()
    {
        using var response = await host.PostAsync("/api/tasks", """{"task_id":"orphan-1","task_type":"echo","dependencies":["never-submitted"]}""");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("never-submitted", await response.Content.ReadAsStringAsync());
        using var get = await host.Http.GetAsync("/api/tasks/orphan-1");
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
    }

    [Fact]
    public async Task SubmitTask_FiftyConcurrentDuplicates_OneInstanceAndEveryCallerGetsItsId()
    {
        const string body = """{"task_id":"dup-50","task_type":"echo","payload":1}""";

        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => host.PostAsync("/api/tasks", body)));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Accepted);
        Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.OK, r.StatusCode.ToString()));
        foreach (var response in responses)
        {
            Assert.Equal("task:dup-50", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString());
            response.Dispose();
        }

        using var list = await host.Http.GetAsync("/runtime/webhooks/durabletask/instances?instanceIdPrefix=task:dup-50");
        Assert.Single((await list.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray());
    }

    [Fact]
    public async Task ListTasks_FilterAndPaging()
    {
        for (var i = 0; i < 3; i++)
        {
            using (await host.PostAsync("/api/tasks", $$"""{"task_id":"list-{{i}}","task_type":"echo"}"""))
            {
            }

            await WaitForTaskAsync($"list-{i}", t => Is(t, "completed"));
        }

        var all = await host.Http.GetFromJsonAsync<JsonElement>("/api/tasks?status=completed&limit=1000");
        var ids = all.GetProperty("items").EnumerateArray().Select(t => t.GetProperty("task_id").GetString()).ToList();
        Assert.Contains("list-0", ids);
        Assert.All(all.GetProperty("items").EnumerateArray(), t => Assert.Equal("completed", t.GetProperty("status").GetString()));
        var page = await host.Http.GetFromJsonAsync<JsonElement>("/api/tasks?status=completed&limit=1&offset=1");
        Assert.Single(page.GetProperty("items").EnumerateArray());
        Assert.Equal(all.GetProperty("total").GetInt32(), page.GetProperty("total").GetInt32());
    }

    [Theory]
    [InlineData("/api/tasks?status=bogus")]
    [InlineData("/api/tasks?limit=0")]
    [InlineData("/api/tasks?limit=abc")]
    [InlineData("/api/tasks?offset=-1")]
    public async Task ListTasks_BadQuery_Returns400(string url)
    {
        using var response = await host.Http.GetAsync(url);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task CancelTask_WhileWaitingForDependency_IsCancelled()
    {
        using (await host.PostAsync("/api/tasks", """{"task_id":"hold-c","task_type":"approval"}"""))
        {
        }

        await WaitForTaskAsync("hold-c", t => Is(t, "running"));
        using (await host.PostAsync("/api/tasks", """{"task_id":"cancel-me","task_type":"echo","dependencies":["hold-c"]}"""))
        {
        }

        await WaitForTaskAsync("cancel-me", t => Is(t, "pending"));
        using var cancel = await host.PostAsync("/api/tasks/cancel-me/cancel", "");
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        await WaitForTaskAsync("cancel-me", t => Is(t, "cancelled"));
    }
}
