using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace ServerlessTasks.Tests;

public class WorkflowApiTests(AppHost host) : IClassFixture<AppHost>
{
    private const string ThreeTaskDag = """
        {"workflow_id":"%ID%","tasks":[
          {"task_id":"a","task_type":"echo","payload":{"n":1}},
          {"task_id":"b","task_type":"echo","payload":"B","dependencies":["a"]},
          {"task_id":"c","task_type":"echo","payload":[3],"dependencies":["a","b"]}]}
        """;

    [Fact]
    public async Task SubmitWorkflow_ThreeTaskDag_CompletesWithEveryOutputInDependencyOrder()
    {
        using var submit = await host.PostAsync("/api/workflows", ThreeTaskDag.Replace("%ID%", "dag-3"));

        Assert.Equal(HttpStatusCode.Accepted, submit.StatusCode);
        var check = await submit.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("dag-3", check.GetProperty("id").GetString());
        var statusUrl = check.GetProperty("statusQueryGetUri").GetString()!;
        Assert.Equal(statusUrl, submit.Headers.Location!.ToString());
        foreach (var name in new[] { "sendEventPostUri", "terminatePostUri", "purgeHistoryDeleteUri", "suspendPostUri", "resumePostUri", "status_url" })
        {
            Assert.StartsWith("http://", check.GetProperty(name).GetString());
        }

        var status = await host.PollUntilDoneAsync(statusUrl);
        Assert.Equal("Completed", status.GetProperty("runtimeStatus").GetString());

        var workflow = await host.Http.GetFromJsonAsync<JsonElement>(check.GetProperty("status_url").GetString());
        Assert.Equal("completed", workflow.GetProperty("status").GetString());
        var tasks = workflow.GetProperty("tasks").EnumerateArray().ToDictionary(t => t.GetProperty("task_id").GetString()!);
        Assert.Equal("""{"n":1}""", tasks["a"].GetProperty("result").GetRawText());
        Assert.Equal("\"B\"", tasks["b"].GetProperty("result").GetRawText());
        Assert.Equal("[3]", tasks["c"].GetProperty("result").GetRawText());
        Assert.All(tasks.Values, t => Assert.Equal("completed", t.GetProperty("status").GetString()));
        AssertStartedAfter(tasks, "b", "a");
        AssertStartedAfter(tasks, "c", "a");
        AssertStartedAfter(tasks, "c", "b");
    }

    [Fact]
    public async Task SubmitWorkflow_SameIdSameBody_ReturnsExistingWith200()
    {
        var body = ThreeTaskDag.Replace("%ID%", "dup-same");
        using var first = await host.PostAsync("/api/workflows", body);
        using var second = await host.PostAsync("/api/workflows", body);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("dup-same", (await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString());
    }

    [Fact]
    public async Task SubmitWorkflow_SameIdDifferentBody_Returns409()
    {
        using var first = await host.PostAsync("/api/workflows", ThreeTaskDag.Replace("%ID%", "dup-diff"));
        using var second = await host.PostAsync("/api/workflows", ThreeTaskDag.Replace("%ID%", "dup-diff").Replace("\"B\"", "\"other\""));

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Equal("application/problem+json", second.Content.Headers.ContentType!.MediaType);
    }

    [Theory]
    [InlineData("""{"workflow_id":"bad-json","tasks":[""", "application/json", 400)]
    [InlineData("""{"workflow_id":"bad-dupkey","workflow_id":"x","tasks":[]}""", "application/json", 400)]
    [InlineData("""{"workflow_id":"bad-type","tasks":[{"task_id":"a","task_type":"echo"}]}""", "text/plain", 415)]
    [InlineData("", "application/json", 400)]
    [InlineData("""{"workflow_id":"bad-cycle","tasks":[{"task_id":"a","task_type":"echo","dependencies":["b"]},{"task_id":"b","task_type":"echo","dependencies":["a"]}]}""", "application/json", 422)]
    [InlineData("""{"workflow_id":"bad-unknown","tasks":[{"task_id":"a","task_type":"echo","dependencies":["zzz"]}]}""", "application/json", 422)]
    [InlineData("""{"workflow_id":"bad-tasktype","tasks":[{"task_id":"a","task_type":"  "}]}""", "application/json", 422)]
    [InlineData("""{"workflow_id":"bad-empty","tasks":[]}""", "application/json", 422)]
    public async Task SubmitWorkflow_BadInput_ProblemResponseAndNothingCreated(string body, string contentType, int expected)
    {
        using var response = await host.PostAsync("/api/workflows", body, contentType);

        Assert.Equal(expected, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(expected, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        using var list = await host.Http.GetAsync("/runtime/webhooks/durabletask/instances?instanceIdPrefix=bad-");
        Assert.Equal("[]", await list.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task SubmitWorkflow_Cycle_ProblemNamesTheCycle()
    {
        using var response = await host.PostAsync("/api/workflows",
            """{"workflow_id":"cyc","tasks":[{"task_id":"x","task_type":"echo","dependencies":["y"]},{"task_id":"y","task_type":"echo","dependencies":["x"]}]}""");

        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        var cycle = problem.GetProperty("errors").EnumerateArray().Single(e => e.GetProperty("code").GetString() == "cycle");
        Assert.Equal(["x", "y"], cycle.GetProperty("task_ids").EnumerateArray().Select(e => e.GetString()).Order());
    }

    [Fact]
    public async Task GetWorkflow_Unknown_Returns404Problem()
    {
        using var response = await host.Http.GetAsync("/api/workflows/does-not-exist");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
    }

    private static void AssertStartedAfter(Dictionary<string, JsonElement> tasks, string dependent, string dependency)
    {
        var started = tasks[dependent].GetProperty("start_sequence").GetInt64();
        var finished = tasks[dependency].GetProperty("finish_sequence").GetInt64();
        Assert.True(finished > 0 && started > finished, $"{dependent} started at #{started} but {dependency} finished at #{finished}.");
    }
}
