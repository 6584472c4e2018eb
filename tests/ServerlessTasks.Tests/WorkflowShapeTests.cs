using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ServerlessTasks.Domain.Model;
using ServerlessTasks.Domain.Scheduling;
using ServerlessTasks.Tests.Events;

namespace ServerlessTasks.Tests;

/// <summary>Compensation after a failure, and large workflows dispatched through batch and chain-segment sub-orchestrations.</summary>
public class WorkflowShapeTests(AppHost host) : IClassFixture<AppHost>
{
    [Fact]
    public async Task Failure_CompensatesCompletedTasksInReverseDependencyOrder()
    {
        var id = await host.SubmitAsync("""
            {"workflow_id":"comp-1","tasks":[
              {"task_id":"reserve","task_type":"echo","payload":"r","compensate":{"task_type":"echo","payload":"release"}},
              {"task_id":"charge","task_type":"echo","payload":"c","dependencies":["reserve"],"compensate":{"task_type":"echo","payload":"refund"}},
              {"task_id":"ship","task_type":"fail","dependencies":["charge"]},
              {"task_id":"notify","task_type":"echo","dependencies":["ship"]}]}
            """);

        var workflow = await host.WaitForWorkflowAsync(id);

        Assert.Equal("failed", workflow.GetProperty("status").GetString());
        var compensations = workflow.GetProperty("compensations").EnumerateArray().ToList();
        Assert.Equal(["charge", "reserve"], compensations.Select(c => c.GetProperty("task_id").GetString()));
        Assert.Equal(["refund", "release"], compensations.Select(c => c.GetProperty("result").GetString()));
        Assert.All(compensations, c => Assert.Equal("completed", c.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task TaskWithItsOwnRetry_EachRetryWaitsItsBackoff_NotTheDefault()
    {
        // Default back-off would wait about 1 s and 2 s; this task asks for 0.05 s growing x4.
        var id = await host.SubmitAsync("""
            {"workflow_id":"own-retry","tasks":[
              {"task_id":"flaky","task_type":"fail","payload":{"fail_times":2},"max_retries":2,"retry":{"delay_seconds":0.05,"multiplier":4}}]}
            """);

        var workflow = await host.WaitForWorkflowAsync(id);

        Assert.Equal("completed", workflow.GetProperty("status").GetString());
        await RetryTimeline.AssertWaitedAsync(host.Http, id, "flaky", RetryBackoff.Of(new RetrySpec(DelaySeconds: 0.05, Multiplier: 4)), retries: 2);
    }

    [Fact]
    public async Task Failure_CompensationFailingThreeTimes_RetriedBeyondItsTasksBudgetUntilItSucceeds()
    {
        // The charge has no retries of its own; its undo fails 3 times (an outage) and must still complete.
        var id = await host.SubmitAsync("""
            {"workflow_id":"comp-retry","tasks":[
              {"task_id":"charge","task_type":"echo","payload":"c","max_retries":0,"compensate":{"task_type":"fail","payload":{"fail_times":3}}},
              {"task_id":"ship","task_type":"fail","max_retries":0,"dependencies":["charge"]}]}
            """);

        var workflow = await host.WaitForWorkflowAsync(id);

        Assert.Equal("failed", workflow.GetProperty("status").GetString());
        var compensation = Assert.Single(workflow.GetProperty("compensations").EnumerateArray());
        Assert.Equal(("charge", "completed", 4), (compensation.GetProperty("task_id").GetString(), compensation.GetProperty("status").GetString(), compensation.GetProperty("attempts").GetInt32()));
    }

    [Fact]
    public async Task LargeWorkflow_RunsInBatches_CompletesWithSmallParentHistory()
    {
        const int middle = 1_500;
        var tasks = new List<object> { new { task_id = "root", task_type = "echo", payload = 0 } };
        tasks.AddRange(Enumerable.Range(0, middle).Select(i => new { task_id = $"m{i}", task_type = "echo", payload = i, dependencies = new[] { "root" } }));
        tasks.Add(new { task_id = "sink", task_type = "echo", payload = -1, dependencies = Enumerable.Range(0, middle).Select(i => $"m{i}").ToArray() });
        var id = await host.SubmitAsync(JsonSerializer.Serialize(new { workflow_id = "large-1", tasks }));

        var workflow = await host.WaitForWorkflowAsync(id, within: TimeSpan.FromSeconds(120));

        Assert.Equal("completed", workflow.GetProperty("status").GetString());
        Assert.Equal(middle + 2, workflow.GetProperty("counts").GetProperty("completed").GetInt32());
        var views = workflow.GetProperty("tasks").EnumerateArray().ToDictionary(t => t.GetProperty("task_id").GetString()!);
        Assert.Equal(1499, views["m1499"].GetProperty("result").GetInt32());
        Assert.True(views["sink"].GetProperty("start_sequence").GetInt64() > views["m0"].GetProperty("finish_sequence").GetInt64());
        var status = await host.Http.GetFromJsonAsync<JsonElement>($"/runtime/webhooks/durabletask/instances/{id}?showHistory=true");
        var history = status.GetProperty("historyEvents").GetArrayLength();
        Assert.True(history < 200, $"parent history has {history} events for {middle + 2} tasks");
    }

    [Fact]
    public async Task LargeChain_RunsInSegments_RecordsEveryLinkInCausalOrderAndSkipsAfterFailure()
    {
        const int length = 1_100, failing = 700; // segments of 200: the failure is inside the fourth
        var tasks = Enumerable.Range(0, length).Select(i => (object)new
        {
            task_id = $"c{i}",
            task_type = i == failing ? "fail" : "echo",
            payload = i,
            dependencies = i == 0 ? Array.Empty<string>() : [$"c{i - 1}"],
        });
        var id = await host.SubmitAsync(JsonSerializer.Serialize(new { workflow_id = "chain-large-1", tasks }));

        var workflow = await host.WaitForWorkflowAsync(id, within: TimeSpan.FromSeconds(180));

        Assert.Equal("failed", workflow.GetProperty("status").GetString());
        var counts = workflow.GetProperty("counts");
        Assert.Equal((failing, 1, length - failing - 1), (counts.GetProperty("completed").GetInt32(), counts.GetProperty("failed").GetInt32(), counts.GetProperty("skipped").GetInt32()));
        var views = workflow.GetProperty("tasks").EnumerateArray().ToDictionary(t => t.GetProperty("task_id").GetString()!);
        Assert.Equal(length, views.Count);
        Assert.Equal(199, views["c199"].GetProperty("result").GetInt32());
        Assert.Equal(200, views["c200"].GetProperty("result").GetInt32());
        Assert.Equal(failing - 1, views[$"c{failing - 1}"].GetProperty("result").GetInt32());
        Assert.Equal("failed", views[$"c{failing}"].GetProperty("status").GetString());
        Assert.Equal("skipped", views[$"c{length - 1}"].GetProperty("status").GetString());
        Assert.Contains($"dependency 'c{failing}' failed", views[$"c{failing + 1}"].GetProperty("error").GetString(), StringComparison.Ordinal);
        for (var i = 1; i < failing; i++)
        {
            Assert.True(views[$"c{i}"].GetProperty("start_sequence").GetInt64() > views[$"c{i - 1}"].GetProperty("finish_sequence").GetInt64(), $"c{i} started before c{i - 1} finished");
        }

        var status = await host.Http.GetFromJsonAsync<JsonElement>($"/runtime/webhooks/durabletask/instances/{id}?showHistory=true");
        var history = status.GetProperty("historyEvents").GetArrayLength();
        Assert.True(history < 200, $"parent history has {history} events for a chain of {length}");

        // Links across segments (199 | 200), across activity groups (24 | 25) and inside one (1) keep the journal's causal order.
        var events = await EventAssertions.WaitForEventsAsync(host.Http, id, tasks: failing, describe: host.Describe);
        Assert.Equal(events.OrderBy(e => e.Hlc).Select(e => e.Hlc), events.Select(e => e.Hlc));
        foreach (var link in new[] { 1, 24, 25, 199, 200, 201, failing - 1 })
        {
            var own = events.Where(e => e.TaskId == $"c{link}").ToList();
            Assert.Equal(["ready", "dispatched", "started", "completed"], own.Select(e => e.Kind));
            Assert.True(own.Zip(own.Skip(1)).All(p => p.Second.Hlc > p.First.Hlc), $"c{link}: {string.Join(", ", own.Select(e => $"{e.Kind} {e.Hlc}"))}");
            var before = events.Single(e => e.TaskId == $"c{link - 1}" && e.Kind == "completed").Hlc;
            Assert.True(own[0].Hlc > before, $"c{link} ready {own[0].Hlc} is not after c{link - 1} completed {before}");
        }

        var failed = Assert.Single(events, e => e.TaskId == $"c{failing}" && e.Kind == "failed");
        Assert.True(failed.Hlc > events.Single(e => e.TaskId == $"c{failing - 1}" && e.Kind == "completed").Hlc);
        Assert.True(events.Single(e => e.TaskId == $"c{failing + 1}" && e.Kind == "skipped").Hlc > failed.Hlc);
    }

    [Fact]
    public async Task LargeChain_CancelledMidSegment_StopsTheSegmentAndCancelsTheRest()
    {
        const int length = 1_100;
        var tasks = Enumerable.Range(0, length).Select(i => (object)new
        {
            task_id = $"k{i}",
            task_type = "compute",
            payload = new { iterations = 20_000 }, // a few ms per link, so the cancel lands inside a segment
            dependencies = i == 0 ? Array.Empty<string>() : [$"k{i - 1}"],
        });
        var id = await host.SubmitAsync(JsonSerializer.Serialize(new { workflow_id = "chain-cancel-1", tasks }));
        await host.WaitUntilAsync(
            id, w => w.TryGetProperty("counts", out var c) && c.ValueKind == JsonValueKind.Object && c.GetProperty("completed").GetInt32() > 0, within: TimeSpan.FromSeconds(120));

        using (var cancel = await host.PostAsync($"/api/workflows/{id}/cancel", ""))
        {
            Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        }

        var workflow = await host.WaitForWorkflowAsync(id, within: TimeSpan.FromSeconds(120));
        Assert.Equal("cancelled", workflow.GetProperty("status").GetString());
        var views = workflow.GetProperty("tasks").EnumerateArray().Select(t => t.GetProperty("status").GetString()).ToList();
        var completed = views.TakeWhile(s => s == "completed").Count();
        Assert.InRange(completed, 1, length - 1);
        Assert.All(views.Skip(completed), s => Assert.Equal("cancelled", s)); // every link after the last completed one

        // Every segment has stopped: none runs on after the workflow (the one told of the cancel started nothing more).
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var open = await host.Http.GetFromJsonAsync<JsonElement>(
                $"/runtime/webhooks/durabletask/instances?instanceIdPrefix={Uri.EscapeDataString(id + ":chain:")}&runtimeStatus=Pending,Running&top=10");
            if (open.GetArrayLength() == 0)
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, $"chain segments of {id} still running: {open}");
            await Task.Delay(50);
        }

        var segments = await host.Http.GetFromJsonAsync<JsonElement>(
            $"/runtime/webhooks/durabletask/instances?instanceIdPrefix={Uri.EscapeDataString(id + ":chain:")}&showInput=true&top=100");
        var ran = segments.EnumerateArray().Sum(s => s.GetProperty("output").GetArrayLength());
        Assert.InRange(ran, completed, completed + 1); // the completed links and the one running at the cancel (if any), no more
    }
}
