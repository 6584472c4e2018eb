using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace ServerlessTasks.Tests;

/// <summary>Built-in task types, retries, timeouts and workflow control, on a fake clock.</summary>
public class TaskTypeTests(FakeClockAppHost host) : IClassFixture<FakeClockAppHost>
{
    private void Tick() => host.Clock.Advance(TimeSpan.FromSeconds(1));

    private static Dictionary<string, JsonElement> Tasks(JsonElement workflow) =>
        workflow.GetProperty("tasks").EnumerateArray().ToDictionary(t => t.GetProperty("task_id").GetString()!);

    [Fact]
    public async Task Fail_TwiceThenSucceeds_CompletesOnThirdAttemptAfterBackoff()
    {
        var id = await host.SubmitAsync("""{"tasks":[{"task_id":"f","task_type":"fail","payload":{"fail_times":2},"max_retries":2}]}""");

        var workflow = await host.WaitForWorkflowAsync(id, Tick);

        var task = Tasks(workflow)["f"];
        Assert.Equal("completed", task.GetProperty("status").GetString());
        Assert.Equal(3, task.GetProperty("attempts").GetInt32());
        Assert.Equal(3, task.GetProperty("result").GetProperty("succeeded_on_attempt").GetInt32());
    }

    [Fact]
    public async Task Fail_Always_FailsAfterRetriesAndSkipsTransitiveDependentsOnly()
    {
        var id = await host.SubmitAsync("""
            {"tasks":[
              {"task_id":"bad","task_type":"fail","max_retries":1},
              {"task_id":"child","task_type":"echo","dependencies":["bad"]},
              {"task_id":"grandchild","task_type":"echo","dependencies":["child"]},
              {"task_id":"other","task_type":"echo","payload":1}]}
            """);

        var workflow = await host.WaitForWorkflowAsync(id, Tick);

        Assert.Equal("failed", workflow.GetProperty("status").GetString());
        var tasks = Tasks(workflow);
        Assert.Equal("failed", tasks["bad"].GetProperty("status").GetString());
        Assert.Equal(2, tasks["bad"].GetProperty("attempts").GetInt32());
        Assert.Contains("deliberate failure", tasks["bad"].GetProperty("error").GetString());
        Assert.Equal("skipped", tasks["child"].GetProperty("status").GetString());
        Assert.Equal("skipped", tasks["grandchild"].GetProperty("status").GetString());
        Assert.Contains("bad", tasks["grandchild"].GetProperty("error").GetString());
        Assert.Equal("completed", tasks["other"].GetProperty("status").GetString());
    }

    [Fact]
    public async Task Delay_CompletesOnlyAfterTheClockPassesIt()
    {
        var id = await host.SubmitAsync("""{"tasks":[{"task_id":"d","task_type":"delay","payload":{"seconds":30}},{"task_id":"after","task_type":"echo","dependencies":["d"]}]}""");
        await host.WaitUntilAsync(id, w => Tasks(w)["d"].GetProperty("status").GetString() == "running");

        host.Clock.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal("running", Tasks(await host.GetWorkflowAsync(id))["d"].GetProperty("status").GetString());
        host.Clock.Advance(TimeSpan.FromSeconds(1));

        var workflow = await host.WaitForWorkflowAsync(id);
        Assert.Equal("completed", workflow.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Timeout_ActivityThatNeverAnswers_FailsWithTimeout()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start(); // accepts connections, never answers
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        // The task's timeout is a durable timer (5 s of durable time); the activity's own HTTP timeout is the worker's
        // real 3 s. The task fails on the durable timeout as soon as durable time passes it; the orchestration itself
        // completes once the abandoned activity has returned (Durable does not complete an orchestration with an
        // activity still open), after its real 3 s.
        var id = await host.SubmitAsync($$$"""{"tasks":[{"task_id":"slow","task_type":"http","timeout":5,"payload":{"url":"http://127.0.0.1:{{{port}}}/","timeout_seconds":3}}]}""");
        await host.WaitUntilAsync(id, w => Tasks(w)["slow"].GetProperty("status").GetString() == "running");

        var timedOut = await host.WaitUntilAsync(id, w => Tasks(w)["slow"].GetProperty("status").GetString() == "failed", whileWaiting: Tick);
        var workflow = await host.WaitForWorkflowAsync(id);

        Assert.Contains("timed out after 5 s", Tasks(timedOut)["slow"].GetProperty("error").GetString());
        var task = Tasks(workflow)["slow"];
        Assert.Equal("failed", workflow.GetProperty("status").GetString());
        Assert.Equal("failed", task.GetProperty("status").GetString());
        Assert.Contains("timed out after 5 s", task.GetProperty("error").GetString());
        Assert.Equal(1, task.GetProperty("attempts").GetInt32());
        // The orchestration itself completed with its report (the worker had finished it before the activity returned).
        Assert.Equal("Completed", workflow.GetProperty("runtime_status").GetString());
    }

    [Fact]
    public async Task Approval_EventRaised_CompletesWithTheEventBody()
    {
        var id = await host.SubmitAsync("""{"tasks":[{"task_id":"ok","task_type":"approval","timeout":3600}]}""");
        await host.WaitUntilAsync(id, w => Tasks(w)["ok"].GetProperty("status").GetString() == "running");

        using var raised = await host.PostAsync($"/api/workflows/{id}/events/approval:ok", """{"by":"alice"}""");
        Assert.Equal(HttpStatusCode.Accepted, raised.StatusCode);

        var workflow = await host.WaitForWorkflowAsync(id);
        Assert.Equal("alice", Tasks(workflow)["ok"].GetProperty("result").GetProperty("by").GetString());
    }

    [Fact]
    public async Task Approval_NoEventBeforeTimeout_Fails()
    {
        var id = await host.SubmitAsync("""{"tasks":[{"task_id":"late","task_type":"approval","timeout":10}]}""");
        await host.WaitUntilAsync(id, w => Tasks(w)["late"].GetProperty("status").GetString() == "running");

        host.Clock.Advance(TimeSpan.FromSeconds(11));

        var workflow = await host.WaitForWorkflowAsync(id);
        Assert.Contains("no approval within 10 s", Tasks(workflow)["late"].GetProperty("error").GetString());
    }

    [Fact]
    public async Task Cancel_WhileWaiting_CancelsUnfinishedTasksAndRejectsSecondCancel()
    {
        var id = await host.SubmitAsync("""{"tasks":[{"task_id":"wait","task_type":"approval"},{"task_id":"next","task_type":"echo","dependencies":["wait"]}]}""");
        await host.WaitUntilAsync(id, w => Tasks(w)["wait"].GetProperty("status").GetString() == "running");

        using var cancel = await host.PostAsync($"/api/workflows/{id}/cancel", "");
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);

        var workflow = await host.WaitForWorkflowAsync(id);
        Assert.Equal("cancelled", workflow.GetProperty("status").GetString());
        Assert.All(Tasks(workflow).Values, t => Assert.Equal("cancelled", t.GetProperty("status").GetString()));
        using var again = await host.PostAsync($"/api/workflows/{id}/cancel", "");
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    [Fact]
    public async Task SuspendResume_EventWhileSuspendedIsHeldUntilResume()
    {
        var id = await host.SubmitAsync("""{"tasks":[{"task_id":"gate","task_type":"approval"}]}""");
        await host.WaitUntilAsync(id, w => Tasks(w)["gate"].GetProperty("status").GetString() == "running");

        using (var suspend = await host.PostAsync($"/api/workflows/{id}/suspend", ""))
        {
            Assert.Equal(HttpStatusCode.Accepted, suspend.StatusCode);
        }

        await host.WaitUntilAsync(id, w => w.GetProperty("status").GetString() == "suspended");
        using (var raised = await host.PostAsync($"/api/workflows/{id}/events/approval:gate", "true"))
        {
            Assert.Equal(HttpStatusCode.Accepted, raised.StatusCode);
        }

        Assert.Equal("suspended", (await host.GetWorkflowAsync(id)).GetProperty("status").GetString());
        using (var resume = await host.PostAsync($"/api/workflows/{id}/resume", ""))
        {
            Assert.Equal(HttpStatusCode.Accepted, resume.StatusCode);
        }

        var workflow = await host.WaitForWorkflowAsync(id);
        Assert.Equal("completed", workflow.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Compute_ReturnsSha256OfThePayload()
    {
        var id = await host.SubmitAsync("""{"tasks":[{"task_id":"h","task_type":"compute","payload":{"x":1}}]}""");

        var workflow = await host.WaitForWorkflowAsync(id);

        var expected = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("""{"x":1}"""u8.ToArray()));
        Assert.Equal(expected, Tasks(workflow)["h"].GetProperty("result").GetProperty("sha256").GetString());
    }

    [Fact]
    public async Task Control_UnknownWorkflow_Returns404()
    {
        using var response = await host.PostAsync("/api/workflows/nope/cancel", "");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
