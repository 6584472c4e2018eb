using System.Net.Http.Json;
using System.Text.Json;

namespace ServerlessTasks.Tests;

/// <summary>Compensation after a failure, and large workflows dispatched through batch sub-orchestrations.</summary>
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
}
