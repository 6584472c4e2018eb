using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace ServerlessTasks.Tests.DeadLetters;

/// <summary>
/// <c>POST /api/workflows/{id}/tasks/{task_id}/rerun</c> on the real app: a finished workflow's failed task and its
/// skipped dependents run again; its completed tasks are neither run nor touched.
/// </summary>
public class WorkflowRerunTests(AppHost host) : IClassFixture<AppHost>
{
    [Fact]
    public async Task RerunWorkflowTask_FailedNode_CompletesWithEarlierTasksUntouched()
    {
        // a -> b (fails attempts 1-2, max_retries 1) -> c; a -> e; d alone.
        var id = await host.SubmitAsync("""
            {"workflow_id":"rerun-1","tasks":[
              {"task_id":"a","task_type":"echo","payload":{"n":1}},
              {"task_id":"b","task_type":"fail","payload":{"fail_times":2},"max_retries":1,"dependencies":["a"]},
              {"task_id":"c","task_type":"echo","payload":"C","dependencies":["b"]},
              {"task_id":"d","task_type":"echo","payload":"D"},
              {"task_id":"e","task_type":"echo","payload":"E","dependencies":["a"]}]}
            """);
        await host.PollUntilDoneAsync($"/runtime/webhooks/durabletask/instances/{id}");
        var before = await host.GetWorkflowAsync(id);
        Assert.Equal("failed", before.GetProperty("status").GetString());
        Assert.Equal("failed", Task(before, "b").GetProperty("status").GetString());
        Assert.Equal("skipped", Task(before, "c").GetProperty("status").GetString());
        var kept = new[] { "a", "d", "e" }.ToDictionary(t => t, t => Task(before, t));
        var keptEvents = new Dictionary<string, string>();
        foreach (var t in kept.Keys)
        {
            Assert.Equal("completed", kept[t].GetProperty("status").GetString());
            keptEvents[t] = (await TaskEventsAsync(id, t)).ToString();
        }

        using var rerun = await host.PostAsync($"/api/workflows/{id}/tasks/b/rerun", "");
        var body = await rerun.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(rerun.StatusCode == HttpStatusCode.Accepted, $"{(int)rerun.StatusCode} {body}");
        Assert.Equal(id, body.GetProperty("id").GetString());
        Assert.EndsWith($"/api/workflows/{id}", body.GetProperty("status_url").GetString(), StringComparison.Ordinal);
        var output = await host.PollUntilDoneAsync(body.GetProperty("statusQueryGetUri").GetString()!);
        Assert.Equal("Completed", output.GetProperty("runtimeStatus").GetString());

        var after = await host.GetWorkflowAsync(id);
        Assert.Equal("completed", after.GetProperty("status").GetString());
        Assert.Equal(5, after.GetProperty("counts").GetProperty("completed").GetInt32());
        var b = Task(after, "b");
        Assert.Equal("completed", b.GetProperty("status").GetString());
        Assert.Equal(3, b.GetProperty("attempts").GetInt32());
        Assert.Equal(3, b.GetProperty("result").GetProperty("succeeded_on_attempt").GetInt32());
        Assert.Equal(1, b.GetProperty("redrives").GetInt32());
        var c = Task(after, "c");
        Assert.Equal("completed", c.GetProperty("status").GetString());
        Assert.Equal("C", c.GetProperty("result").GetString());
        Assert.Equal(1, c.GetProperty("attempts").GetInt32());
        foreach (var (t, earlier) in kept)
        {
            // The very same entry (result, times, stamp, sequence) and not one new event.
            Assert.Equal(earlier.ToString(), Task(after, t).ToString());
            Assert.Equal(keptEvents[t], (await TaskEventsAsync(id, t)).ToString());
        }

        var bEvents = (await TaskEventsAsync(id, "b")).GetProperty("events").EnumerateArray().ToList();
        Assert.Equal(new[] { 3 }, Attempts(bEvents, "redriven"));
        Assert.Equal(new[] { 3 }, Attempts(bEvents, "started"));
        Assert.Equal(new[] { 3 }, Attempts(bEvents, "completed"));
        Assert.Equal(new[] { 2 }, Attempts(bEvents, "failed"));
        var cEvents = (await TaskEventsAsync(id, "c")).GetProperty("events").EnumerateArray().Select(e => e.GetProperty("kind").GetString()).ToList();
        Assert.Equal(new[] { "skipped", "ready", "dispatched", "started", "completed" }, cEvents);

        // b completed now, and a always was: both refused, nothing started.
        foreach (var (task, status) in new[] { ("b", "completed"), ("a", "completed") })
        {
            using var again = await host.PostAsync($"/api/workflows/{id}/tasks/{task}/rerun", "");
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
            var problem = await again.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal($"Task '{task}' of workflow '{id}' is {status}: only a failed or cancelled task can be rerun.", problem.GetProperty("detail").GetString());
            Assert.Equal(status, problem.GetProperty("errors")[0].GetProperty("status").GetString());
        }

        Assert.Equal(after.ToString(), (await host.GetWorkflowAsync(id)).ToString());

        // The rerun is a new execution under another orchestrator name: the dashboard still lists and draws it.
        using var graph = await host.Http.GetAsync($"/api/dashboard/data/workflows/{id}/graph");
        Assert.Equal(HttpStatusCode.OK, graph.StatusCode);
        var listed = await host.Http.GetFromJsonAsync<JsonElement>($"/api/dashboard/data/workflows?prefix={id}");
        Assert.Contains(listed.GetProperty("items").EnumerateArray(), w => w.GetProperty("workflow_id").GetString() == id);
    }

    [Fact]
    public async Task RerunWorkflowTask_WhileSlowBranchRuns_QueuedThroughARestartAndRunsWhenTheRunEnds()
    {
        // f fails at once (attempt 1 of fail_times 1) and skips h; g, an independent branch, waits for its approval,
        // which the test gives only after the rerun was queued (and the host restarted): the run cannot end before.
        var id = await host.SubmitAsync("""
            {"workflow_id":"rerun-queued","tasks":[
              {"task_id":"f","task_type":"fail","payload":{"fail_times":1},"max_retries":0},
              {"task_id":"h","task_type":"echo","payload":"H","dependencies":["f"]},
              {"task_id":"g","task_type":"approval","timeout":600}]}
            """);
        var running = await host.WaitUntilAsync(id, w => Task(w, "f").GetProperty("status").GetString() == "failed"
            && Task(w, "h").GetProperty("status").GetString() == "skipped"
            && Task(w, "g").GetProperty("status").GetString() == "running");
        Assert.Equal("running", running.GetProperty("status").GetString());

        using var rerun = await host.PostAsync($"/api/workflows/{id}/tasks/f/rerun", "");
        var body = await rerun.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(rerun.StatusCode == HttpStatusCode.Accepted, $"{(int)rerun.StatusCode} {body}");
        Assert.Equal(id, body.GetProperty("id").GetString());
        Assert.Equal("f", body.GetProperty("rerun").GetProperty("task_id").GetString());
        Assert.Equal(1, body.GetProperty("rerun").GetProperty("run").GetInt32());
        Assert.Equal("queued", body.GetProperty("rerun").GetProperty("status").GetString());

        // Asked again while queued: the same queued rerun, not a second one.
        using (var again = await host.PostAsync($"/api/workflows/{id}/tasks/f/rerun", ""))
        {
            Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
            var second = await again.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(body.GetProperty("rerun").ToString(), second.GetProperty("rerun").ToString());
            Assert.Equal(body.GetProperty("statusQueryGetUri").GetString(), second.GetProperty("statusQueryGetUri").GetString());
        }

        // Real conflicts stay 409, naming the status: h is skipped (it reruns with f), g is running.
        foreach (var (task, status) in new[] { ("h", "skipped"), ("g", "running") })
        {
            using var response = await host.PostAsync($"/api/workflows/{id}/tasks/{task}/rerun", "");
            Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal($"Task '{task}' of workflow '{id}' is {status}: only a failed or cancelled task can be rerun.", problem.GetProperty("detail").GetString());
            Assert.Equal(status, problem.GetProperty("errors")[0].GetProperty("status").GetString());
        }

        // Nothing of the rerun ran while the workflow runs: f is claimed (pending), not started; h still skipped.
        var queued = await host.GetWorkflowAsync(id);
        Assert.Equal("running", queued.GetProperty("status").GetString());
        Assert.Equal("pending", Task(queued, "f").GetProperty("status").GetString());
        Assert.Equal(1, Task(queued, "f").GetProperty("attempts").GetInt32());
        Assert.Equal("skipped", Task(queued, "h").GetProperty("status").GetString());
        Assert.DoesNotContain("redriven", EventKinds(await TaskEventsAsync(id, "f")));

        // The queue is durable: a restart of host and worker keeps it.
        await host.RestartAsync();
        using (var approve = await host.PostAsync($"/api/workflows/{id}/events/approval:g", "true"))
        {
            Assert.Equal(HttpStatusCode.Accepted, approve.StatusCode);
        }

        var slow = await host.WaitUntilAsync(id, w => Task(w, "g").GetProperty("status").GetString() == "completed");
        var slowTask = Task(slow, "g").ToString();
        var slowEvents = (await TaskEventsAsync(id, "g")).ToString();
        var after = await host.WaitUntilAsync(id, w => w.GetProperty("status").GetString() == "completed", TimeSpan.FromMinutes(2));

        Assert.Equal(3, after.GetProperty("counts").GetProperty("completed").GetInt32());
        var f = Task(after, "f");
        Assert.Equal("completed", f.GetProperty("status").GetString());
        Assert.Equal(2, f.GetProperty("attempts").GetInt32());
        Assert.Equal(2, f.GetProperty("result").GetProperty("succeeded_on_attempt").GetInt32());
        Assert.Equal(1, f.GetProperty("redrives").GetInt32());
        var h = Task(after, "h");
        Assert.Equal("completed", h.GetProperty("status").GetString());
        Assert.Equal("H", h.GetProperty("result").GetString());
        Assert.Equal(1, h.GetProperty("attempts").GetInt32());
        // The slow branch's task is untouched by the rerun: the same entry (completed_at, result, stamp) and events.
        var g = Task(after, "g");
        Assert.Equal(slowTask, g.ToString());
        Assert.Equal(Task(slow, "g").GetProperty("completed_at").GetString(), g.GetProperty("completed_at").GetString());
        Assert.Equal(slowEvents, (await TaskEventsAsync(id, "g")).ToString());
        // One rerun ran (the second request added none): f's run 1 only, one redriven event, attempt 2 started once.
        var fEvents = (await TaskEventsAsync(id, "f")).GetProperty("events").EnumerateArray().ToList();
        Assert.Equal(new[] { 2 }, Attempts(fEvents, "redriven"));
        Assert.Equal(new[] { 2 }, Attempts(fEvents, "started"));
        Assert.Equal(new[] { 2 }, Attempts(fEvents, "completed"));
        Assert.Equal(new[] { "skipped", "ready", "dispatched", "started", "completed" }, EventKinds(await TaskEventsAsync(id, "h")));
    }

    [Theory]
    [InlineData("/api/workflows/no-such-workflow/tasks/a/rerun", "No workflow with id 'no-such-workflow'.")]
    [InlineData("/api/workflows/rerun-known/tasks/no-such-task/rerun", "No task with id 'no-such-task' in workflow 'rerun-known'.")]
    public async Task RerunWorkflowTask_Unknown_404ProblemJson(string path, string detail)
    {
        using (var submit = await host.PostAsync("/api/workflows", """{"workflow_id":"rerun-known","tasks":[{"task_id":"a","task_type":"echo","payload":1}]}"""))
        {
            Assert.True(submit.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.OK, $"{(int)submit.StatusCode}");
        }

        using var response = await host.PostAsync(path, "");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(detail, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
    }

    private static JsonElement Task(JsonElement workflow, string taskId) =>
        workflow.GetProperty("tasks").EnumerateArray().Single(t => t.GetProperty("task_id").GetString() == taskId);

    private Task<JsonElement> TaskEventsAsync(string workflowId, string taskId) =>
        host.Http.GetFromJsonAsync<JsonElement>($"/api/tasks/{taskId}/events?workflow_id={workflowId}");

    private static List<string?> EventKinds(JsonElement events) =>
        [.. events.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("kind").GetString())];

    private static List<int> Attempts(List<JsonElement> events, string kind) =>
        [.. events.Where(e => e.GetProperty("kind").GetString() == kind).Select(e => e.GetProperty("attempt").GetInt32())];
}
