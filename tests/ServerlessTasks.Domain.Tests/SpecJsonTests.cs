using System.Text.Json;
using ServerlessTasks.Domain.Model;

namespace ServerlessTasks.Domain.Tests;

public class SpecJsonTests
{
    private static readonly JsonSerializerOptions Snake = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    [Fact]
    public void Deserialize_SnakeCaseWorkflowWithCallbackAndCompensation_AllFieldsRead()
    {
        const string Json = """
            {"workflow_id":"wf-1","max_parallelism":2,
             "callback":{"url":"https://example.com/hook","token":"tok-1","events":["completed","task_failed"]},
             "tasks":[{"task_id":"pay","task_type":"payment","priority":9,"max_retries":3,"timeout":30,
                       "compensate":{"task_type":"refund"}},
                      {"task_id":"ship","task_type":"shipping","dependencies":["pay"]}]}
            """;

        var workflow = JsonSerializer.Deserialize<WorkflowSpec>(Json, Snake)!;

        Assert.Equal("wf-1", workflow.WorkflowId);
        Assert.Equal(2, workflow.MaxParallelism);
        Assert.Equal(new CallbackSpec("https://example.com/hook", "tok-1", workflow.Callback!.Events), workflow.Callback);
        Assert.Equal([CallbackEventKind.Completed, CallbackEventKind.TaskFailed], workflow.Callback.Events);
        Assert.Equal(new CompensationSpec("refund"), workflow.Tasks[0].Compensate);
        Assert.Equal(9, workflow.Tasks[0].Priority);
        Assert.Equal(["pay"], workflow.Tasks[1].DependsOn);
        Assert.Equal(TaskSpec.DefaultPriority, workflow.Tasks[1].Priority);
    }

    [Fact]
    public void EffectiveEvents_NoneRequested_CompletedOnly()
    {
        Assert.Equal([CallbackEventKind.Completed], new CallbackSpec("https://example.com/").EffectiveEvents);
    }
}
