using System.Text.Json;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using ServerlessTasks.Domain.Model;
using ServerlessTasks.Domain.Scheduling;
using ServerlessTasks.Functions.Contracts;
using ServerlessTasks.Functions.Orchestration;

namespace ServerlessTasks.Functions;

/// <summary>
/// Runs a workflow's DAG: every task whose dependencies completed becomes ready and is dispatched by
/// effective priority under the workflow's parallelism cap; a failed task skips its dependents; the
/// <c>cancel</c> event stops dispatching and cancels what has not finished.
/// </summary>
public static class WorkflowOrchestrator
{
    /// <summary>The event that cancels a workflow.</summary>
    public const string CancelEvent = "cancel";

    /// <summary>The orchestrator function.</summary>
    [Function(nameof(WorkflowOrchestrator))]
    public static async Task<WorkflowReport> RunAsync([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var spec = context.GetInput<WorkflowSpec>() ?? throw new InvalidOperationException("The workflow orchestrator needs a workflow spec as input.");
        var run = new WorkflowRun(context.InstanceId, spec, Now(context));
        var pending = new CompletionQueue<TaskSpec?>();
        pending.Add(null, context.WaitForExternalEvent<JsonElement?>(CancelEvent));

        while (true)
        {
            foreach (var task in run.DispatchReady(Now(context)))
            {
                pending.Add(task, TaskRunner.RunAsync(context, task, RetryBackoff.Default));
            }

            context.SetCustomStatus(run.Report());
            if (run.IsFinished)
            {
                break;
            }

            var (finished, outcome) = await pending.NextAsync();
            if (finished is null)
            {
                run.Cancel(ReasonOf(outcome), Now(context));
                continue;
            }

            var result = ((Task<TaskOutcome>)outcome).Result;
            if (result.Succeeded)
            {
                run.Complete(finished.TaskId!, result.Result, result.Attempts, Now(context));
            }
            else
            {
                run.Fail(finished.TaskId!, result.Error ?? "failed", result.Attempts, Now(context));
            }
        }

        return run.Report();
    }

    private static string ReasonOf(Task cancelEvent) =>
        cancelEvent.IsCompletedSuccessfully && ((Task<JsonElement?>)cancelEvent).Result is { ValueKind: JsonValueKind.String } reason
            ? reason.GetString()!
            : "cancelled by client";

    private static DateTimeOffset Now(TaskOrchestrationContext context) =>
        new(DateTime.SpecifyKind(context.CurrentUtcDateTime, DateTimeKind.Utc));
}
