using System.Text.Json;
using ServerlessTasks.Domain.Dag;
using ServerlessTasks.Domain.Model;
using ServerlessTasks.Domain.Scheduling;

namespace ServerlessTasks.Tests;

/// <summary>With one slot, the service starts ready tasks exactly in the order the workflow's policy gives.</summary>
public class SchedulingPolicyTests(AppHost host) : IClassFixture<AppHost>
{
    private static List<string> StartOrder(JsonElement workflow) =>
        [.. workflow.GetProperty("tasks").EnumerateArray()
            .OrderBy(t => t.GetProperty("start_sequence").GetInt64())
            .Select(t => t.GetProperty("task_id").GetString()!)];

    private static List<string> PolicyOrder(WorkflowSpec spec, IPriorityPolicy policy)
    {
        var scheduler = DagScheduler.Create(spec, TaskGraph.Create(spec), policy, DateTimeOffset.UtcNow);
        var order = new List<string>();
        while (scheduler.TryDispatchNext(DateTimeOffset.UtcNow, out var next))
        {
            order.Add(next.TaskId);
            scheduler.Complete(next.TaskId, DateTimeOffset.UtcNow);
        }

        return order;
    }

    [Fact]
    public async Task PriorityWithAging_OneSlot_TwentyMixedTasks_StartInPolicyOrder()
    {
        var tasks = Enumerable.Range(0, 20).Select(i => new TaskSpec($"t{i:00}", "echo", Priority: (i * 7 % 10) + 1)).ToList();
        var spec = new WorkflowSpec("policy-priority", tasks, MaxParallelism: 1);

        var id = await host.SubmitAsync(JsonSerializer.Serialize(spec, ServerlessTasks.Functions.Http.ApiJson.Options));
        var workflow = await host.WaitForWorkflowAsync(id);

        var expected = PolicyOrder(spec, new StrictPriorityWithAgingPolicy());
        Assert.Equal(expected, StartOrder(workflow));
        Assert.Equal(10, tasks.Single(t => t.TaskId == expected[0]).Priority);
    }

    [Fact]
    public async Task EarliestDeadlineFirst_OneSlot_StartsByDeadlineNotPriority()
    {
        var soon = DateTimeOffset.UtcNow.AddHours(1);
        var tasks = Enumerable.Range(0, 10).Select(i => new TaskSpec($"d{i}", "echo", Priority: i + 1, Deadline: soon.AddMinutes(i))).ToList();
        var spec = new WorkflowSpec("policy-edf", tasks, MaxParallelism: 1, SchedulingPolicy: SchedulingPolicy.Deadline);

        var id = await host.SubmitAsync(JsonSerializer.Serialize(spec, ServerlessTasks.Functions.Http.ApiJson.Options));
        var workflow = await host.WaitForWorkflowAsync(id);

        Assert.Equal([.. Enumerable.Range(0, 10).Select(i => $"d{i}")], StartOrder(workflow));
    }
}
