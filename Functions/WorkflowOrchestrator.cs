using System.Text.Json;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using ServerlessTasks.Activities;
using ServerlessTasks.Domain.Model;
using ServerlessTasks.Functions.Contracts;
using ServerlessTasks.Functions.Orchestration;

namespace ServerlessTasks.Functions;

/// <summary>
/// Runs a workflow's DAG: every task whose dependencies completed becomes ready and is dispatched by
/// effective priority under the workflow's parallelism cap; a failed task skips its dependents.
/// </summary>
public static class WorkflowOrchestrator
{
    /// <summary>The orchestrator function.</summary>
    [Function(nameof(WorkflowOrchestrator))]
    public static async Task<WorkflowReport> RunAsync([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var spec = context.GetInput<WorkflowSpec>() ?? throw new InvalidOperationException("The workflow orchestrator needs a workflow spec as input.");
        var run = new WorkflowRun(context.InstanceId, spec, Now(context));
        var inFlight = new CompletionQueue<TaskSpec>();

        while (true)
        {
            foreach (var task in run.DispatchReady(Now(context)))
            {
                inFlight.Add(task, StartTask(context, task));
            }

            context.SetCustomStatus(run.Report());
            if (inFlight.Outstanding == 0)
            {
                break;
            }

            var (finished, outcome) = await inFlight.NextAsync();
            Record(run, context, finished, outcome);
        }

        return run.Report();
    }

    private static Task<JsonElement?> StartTask(TaskOrchestrationContext context, TaskSpec task)
    {
        var options = task.MaxRetries is > 0 and var retries
            ? TaskOptions.FromRetryPolicy(new RetryPolicy(retries + 1, TimeSpan.FromSeconds(1), backoffCoefficient: 2.0, maxRetryInterval: TimeSpan.FromMinutes(1)))
            : null;
        var invocation = new TaskInvocation(context.InstanceId, task.TaskId!, task.TaskType, task.Payload);
        return context.CallActivityAsync<JsonElement?>(TaskTypes.ActivityFor(task.TaskType), invocation, options);
    }

    private static void Record(WorkflowRun run, TaskOrchestrationContext context, TaskSpec task, Task outcome)
    {
        var now = Now(context);
        if (outcome.IsCompletedSuccessfully)
        {
            run.Complete(task.TaskId!, ((Task<JsonElement?>)outcome).Result, now);
            return;
        }

        var error = outcome.Exception?.InnerException switch
        {
            TaskFailedException failed => failed.FailureDetails.ErrorMessage,
            { } other => other.Message,
            null => "cancelled",
        };
        run.Fail(task.TaskId!, error, (task.MaxRetries ?? 0) + 1, now);
    }

    private static DateTimeOffset Now(TaskOrchestrationContext context) =>
        new(DateTime.SpecifyKind(context.CurrentUtcDateTime, DateTimeKind.Utc));
}
