using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace ServerlessTasks.Tests;

/// <summary>The task API defects of issue 10, each as a client met it: every test here failed before its fix.</summary>
public class TaskApiDefectTests(AppHost host) : IClassFixture<AppHost>
{
    private async Task<JsonElement> WaitForTaskAsync(string path, Func<JsonElement, bool> condition)
    {
        var deadline = DateTime.UtcNow + AppHost.DefaultWait;
        while (true)
        {
            using var response = await host.Http.GetAsync(path);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                var task = await response.Content.ReadFromJsonAsync<JsonElement>();
                if (condition(task))
                {
                    return task;
                }
            }

            Assert.True(DateTime.UtcNow < deadline, $"{path} never reached the expected state.{host.Describe()}");
            await Task.Delay(20);
        }
    }

    private static bool Is(JsonElement task, string status) => task.GetProperty("status").GetString() == status;

    private static bool IsFinished(JsonElement task) => task.GetProperty("status").GetString() is not ("pending" or "running");

    private async Task<(HttpStatusCode Status, JsonElement Body, string Text)> PostAsync(string path, string body)
    {
        using var response = await host.PostAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone(), text);
    }

    [Fact]
    public async Task SubmitTask_RightAfterItsDependencyWasAccepted_IsAcceptedAndRunsAfterIt()
    {
        // Before: the check read only the task index, which the dependency's orchestration fills in later (422 about half the time).
        for (var i = 0; i < 8; i++)
        {
            var first = await PostAsync("/api/tasks", $$"""{"task_id":"race-a-{{i}}","task_type":"echo","payload":{{i}}}""");
            var second = await PostAsync("/api/tasks", $$"""{"task_id":"race-b-{{i}}","task_type":"echo","dependencies":["race-a-{{i}}"]}""");

            Assert.Equal(HttpStatusCode.Accepted, first.Status);
            Assert.True(second.Status == HttpStatusCode.Accepted, $"pair {i}: {(int)second.Status} {second.Text}");
        }

        for (var i = 0; i < 8; i++)
        {
            var dependent = await WaitForTaskAsync($"/api/tasks/race-b-{i}", IsFinished);
            var dependency = await WaitForTaskAsync($"/api/tasks/race-a-{i}", IsFinished);
            Assert.Equal("completed", dependent.GetProperty("status").GetString());
            Assert.True(dependent.GetProperty("started_at").GetDateTimeOffset() >= dependency.GetProperty("completed_at").GetDateTimeOffset());
        }
    }

    [Fact]
    public async Task SubmitTask_DelayLongerThanItsTimeout_FailsTimedOut()
    {
        // Before: timeout was ignored for delay tasks (a 10 s delay with timeout 1 completed).
        var submit = await PostAsync("/api/tasks", """{"task_id":"delay-timeout","task_type":"delay","payload":{"seconds":10},"timeout":1}""");
        Assert.Equal(HttpStatusCode.Accepted, submit.Status);

        var task = await WaitForTaskAsync("/api/tasks/delay-timeout", IsFinished);

        Assert.Equal("failed", task.GetProperty("status").GetString());
        Assert.Equal("timed out after 1 s", task.GetProperty("error").GetString());
        var finished = task.GetProperty("completed_at").GetDateTimeOffset() - task.GetProperty("started_at").GetDateTimeOffset();
        Assert.True(finished < TimeSpan.FromSeconds(9), $"took {finished}");
    }

    [Fact]
    public async Task GetTask_CompletedAfterItsDeadline_IsMarkedDeadlineMissed()
    {
        // Before: a task that ran past its deadline read plain "completed"; nothing marked it late.
        var deadline = DateTimeOffset.UtcNow.AddSeconds(15); // room for a slow first start on a loaded machine
        var far = DateTimeOffset.UtcNow.AddHours(1).ToString("O");
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync("/api/tasks", $$"""{"task_id":"late-1","task_type":"approval","deadline":"{{deadline:O}}"}""")).Status);
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync("/api/tasks", $$"""{"task_id":"on-time-1","task_type":"echo","deadline":"{{far}}"}""")).Status);
        var started = await WaitForTaskAsync("/api/tasks/late-1", t => Is(t, "running"));
        Assert.True(started.GetProperty("started_at").GetDateTimeOffset() < deadline, "started after its deadline: the machine is too slow for this test");

        var overdue = await WaitForTaskAsync("/api/tasks/late-1", t => t.TryGetProperty("deadline_missed", out var missed) && missed.GetBoolean());
        using (var approve = await host.PostAsync("/runtime/webhooks/durabletask/instances/task:late-1/raiseEvent/approval:late-1", "\"late\""))
        {
            Assert.Equal(HttpStatusCode.Accepted, approve.StatusCode);
        }

        var late = await WaitForTaskAsync("/api/tasks/late-1", IsFinished);
        var onTime = await WaitForTaskAsync("/api/tasks/on-time-1", IsFinished);

        Assert.Equal("running", overdue.GetProperty("status").GetString());
        Assert.Equal("completed", late.GetProperty("status").GetString());
        Assert.True(late.GetProperty("deadline_missed").GetBoolean());
        Assert.Equal("completed", onTime.GetProperty("status").GetString());
        Assert.False(onTime.GetProperty("deadline_missed").GetBoolean());
    }

    [Fact]
    public async Task ListTasks_WithWorkflowTasksSharingIds_ListsNoDuplicatesAndEveryRowResolves()
    {
        // Before: the list held workflow tasks (ids repeat across workflows) that GET /api/tasks/{id} answered 404.
        var one = await host.SubmitAsync("""{"workflow_id":"list-wf-1","tasks":[{"task_id":"shared-a","task_type":"echo"},{"task_id":"shared-b","task_type":"echo"}]}""");
        var two = await host.SubmitAsync("""{"workflow_id":"list-wf-2","tasks":[{"task_id":"shared-a","task_type":"echo"},{"task_id":"shared-b","task_type":"echo"}]}""");
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync("/api/tasks", """{"task_id":"list-single-1","task_type":"echo"}""")).Status);
        await host.WaitForWorkflowAsync(one);
        await host.WaitForWorkflowAsync(two);
        await WaitForTaskAsync("/api/tasks/list-single-1", IsFinished);

        var all = await host.Http.GetFromJsonAsync<JsonElement>("/api/tasks?limit=1000");
        var ids = all.GetProperty("items").EnumerateArray().Select(t => t.GetProperty("task_id").GetString()!).ToList();

        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(ids.Count, all.GetProperty("total").GetInt32());
        Assert.Contains("list-single-1", ids);
        Assert.DoesNotContain("shared-a", ids);
        foreach (var id in ids)
        {
            using var get = await host.Http.GetAsync($"/api/tasks/{id}");
            Assert.True(get.StatusCode == HttpStatusCode.OK, $"{id}: {(int)get.StatusCode}");
        }

        var inWorkflow = await host.Http.GetFromJsonAsync<JsonElement>("/api/tasks?workflow_id=list-wf-2");
        Assert.Equal(["shared-a", "shared-b"], inWorkflow.GetProperty("items").EnumerateArray().Select(t => t.GetProperty("task_id").GetString()!).Order().ToList());
        var shared = await host.Http.GetFromJsonAsync<JsonElement>("/api/tasks/shared-a?workflow_id=list-wf-2");
        Assert.Equal("list-wf-2", shared.GetProperty("workflow_id").GetString());
        Assert.Equal("completed", shared.GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("""{"task_id":"str-timeout","task_type":"echo","timeout":"300"}""", "Field 'timeout' must be a JSON number (not a string) (got the string \"300\").")]
    [InlineData("""{"task_id":"str-prio","task_type":"echo","priority":"5"}""", "Field 'priority' must be a whole JSON number (not a string) (got the string \"5\").")]
    [InlineData("""{"task_id":"str-retries","task_type":"echo","max_retries":"2"}""", "Field 'max_retries' must be a whole JSON number (not a string) (got the string \"2\").")]
    [InlineData("""{"task_id":"bad-deps","task_type":"echo","dependencies":"a"}""", "Field 'dependencies' must be an array whose items are each a string (got the string \"a\").")]
    [InlineData("""{"task_id":"bad-events","task_type":"echo","callback":{"url":"http://127.0.0.1:1/x","events":["finished"]}}""",
        "Field 'callback.events[0]' must be one of \"completed\", \"task_started\", \"task_completed\", \"task_failed\", \"task_skipped\" (got the string \"finished\").")]
    public async Task SubmitTask_WrongJsonType_Is400NamingTheFieldAndWhatItMustBe(string body, string expected)
    {
        // Before: strings were taken as numbers, and type errors named .NET types without the allowed values.
        var (status, problem, text) = await PostAsync("/api/tasks", body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal($"The body is not valid JSON for this request: {expected}", problem.GetProperty("detail").GetString());
        Assert.DoesNotContain("System.", text);
        Assert.DoesNotContain("ServerlessTasks.", text);
    }

    [Theory]
    [InlineData("""{"workflow_id":"bad-wf-tasks","tasks":"all of them"}""", "Field 'tasks' must be an array whose items are each a JSON object (got the string \"all of them\").")]
    [InlineData("""{"workflow_id":"bad-wf-policy","tasks":[{"task_id":"a","task_type":"echo"}],"scheduling_policy":"fastest"}""",
        "Field 'scheduling_policy' must be one of \"priority\", \"deadline\" (got the string \"fastest\").")]
    [InlineData("""{"workflow_id":"bad-wf-prio","tasks":[{"task_id":"a","task_type":"echo","priority":"9"}]}""",
        "Field 'tasks[0].priority' must be a whole JSON number (not a string) (got the string \"9\").")]
    [InlineData("""{"workflow_id":"bad-wf-deadline","tasks":[{"task_id":"a","task_type":"echo"}],"deadline":12}""",
        "Field 'deadline' must be an ISO 8601 date-time string such as \"2030-01-01T00:00:00Z\" (got the number 12).")]
    public async Task SubmitWorkflow_WrongJsonType_Is400NamingTheFieldAndWhatItMustBe(string body, string expected)
    {
        var (status, problem, text) = await PostAsync("/api/workflows", body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal($"The body is not valid JSON for this request: {expected}", problem.GetProperty("detail").GetString());
        Assert.DoesNotContain("ServerlessTasks.", text);
    }

    [Fact]
    public async Task SubmitWorkflow_DuplicateKey_Is400WithoutDotNetTypes()
    {
        var (status, problem, _) = await PostAsync("/api/workflows", """{"workflow_id":"bad-dupkey-2","tasks":[{"task_id":"a","task_id":"b","task_type":"echo"}]}""");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains("task_id", detail);
        Assert.DoesNotContain("ServerlessTasks.", detail);
        Assert.DoesNotContain("System.", detail);
    }

    [Theory]
    [InlineData("""{"task_id":"neg-delay","task_type":"delay","payload":{"seconds":-5}}""", "payload.seconds must be a JSON number from 0 to 2592000 (got -5)")]
    [InlineData("""{"task_id":"str-delay","task_type":"delay","payload":{"seconds":"5"}}""", "payload.seconds must be a JSON number from 0 to 2592000 (got a string)")]
    [InlineData("""{"task_id":"big-compute","task_type":"compute","payload":{"iterations":5000000}}""", "payload.iterations must be a whole JSON number from 1 to 1000000 (got 5000000)")]
    [InlineData("""{"task_id":"frac-compute","task_type":"compute","payload":{"iterations":2.5}}""", "payload.iterations must be a whole JSON number from 1 to 1000000 (got 2.5)")]
    public async Task SubmitTask_PayloadItsTypeWouldRefuseOrChange_Is422AndCreatesNothing(string body, string expected)
    {
        // Before: delay with seconds -5 completed at once and compute capped iterations silently.
        var (status, problem, text) = await PostAsync("/api/tasks", body);

        Assert.True(status == HttpStatusCode.UnprocessableEntity, $"{(int)status} {text}");
        Assert.Contains(expected, problem.GetProperty("detail").GetString());
        Assert.Equal("invalid_payload", problem.GetProperty("errors")[0].GetProperty("code").GetString());
        var id = JsonDocument.Parse(body).RootElement.GetProperty("task_id").GetString();
        using var get = await host.Http.GetAsync($"/api/tasks/{id}");
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
    }

    [Fact]
    public async Task SubmitWorkflow_NegativeDelay_Is422NamingTheTask()
    {
        var (status, problem, _) = await PostAsync("/api/workflows", """{"workflow_id":"neg-delay-wf","tasks":[{"task_id":"wait","task_type":"delay","payload":{"seconds":-1}}]}""");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal("invalid_payload", problem.GetProperty("errors")[0].GetProperty("code").GetString());
        Assert.Equal("wait", problem.GetProperty("errors")[0].GetProperty("task_ids")[0].GetString());
    }

    [Theory]
    [InlineData("GET", "/api/nothing-here")]
    [InlineData("POST", "/api/tasks/x/y/z")]
    [InlineData("GET", "/api")]
    public async Task UnknownRoute_AnyMethod_Is404ProblemJson(string method, string path)
    {
        // Before: the host's empty 404.
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        using var response = await host.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(404, problem.GetProperty("status").GetInt32());
    }

    [Theory]
    [InlineData("DELETE", "/api/tasks", "GET, POST")]
    [InlineData("PUT", "/api/tasks/some-id", "GET")]
    [InlineData("GET", "/api/tasks/some-id/cancel", "POST")]
    public async Task KnownRoute_WrongMethod_Is405ProblemJsonWithAllow(string method, string path, string allow)
    {
        // Before: the host's empty 405.
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        using var response = await host.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(allow, string.Join(", ", response.Content.Headers.Allow));
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(allow, problem.GetProperty("detail").GetString());
    }
}
