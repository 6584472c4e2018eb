using System.Text.Json;
using Microsoft.DurableTask;
using ServerlessTasks.Activities.Callbacks;
using ServerlessTasks.Domain.Model;
using ServerlessTasks.Functions.Contracts;
using ServerlessTasks.Functions.Orchestration;
using ServerlessTasks.TaskIndex;

namespace ServerlessTasks.Functions.Callbacks;

/// <summary>
/// What the workflow and task orchestrators call when they finish: if the submission asked for a callback,
/// start its delivery orchestration (through an activity, idempotent by delivery id). Deterministic; a
/// failure to start is swallowed here because callbacks never change a workflow's result.
/// </summary>
public static class CallbackStarter
{
    /// <summary>Starts the completion callback of a workflow, if it has one.</summary>
    /// <param name="context">The workflow's orchestration.</param>
    /// <param name="callback">The submission's callback, if any.</param>
    /// <param name="report">The final report.</param>
    /// <param name="hlc">The completion's HLC stamp (after every task event of the workflow).</param>
    /// <param name="run">Which run of the workflow this is (0 the first; a rerun's is higher): each run's outcome is its own delivery.</param>
    public static Task ForWorkflowAsync(TaskOrchestrationContext context, CallbackSpec? callback, WorkflowReport report, string? hlc = null, int run = 0)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(report);
        if (callback is null || !callback.EffectiveEvents.Contains(CallbackEventKind.Completed))
        {
            return Task.CompletedTask;
        }

        var status = report.Cancelled ? "cancelled" : report.Counts.Failed > 0 ? "failed" : "completed";
        var result = status == "completed"
            ? JsonSerializer.SerializeToElement(report.Tasks.ToDictionary(t => t.TaskId, t => t.Result, StringComparer.Ordinal))
            : (JsonElement?)null;
        var error = status == "completed" ? null : report.Tasks.FirstOrDefault(t => t.Status == WorkflowTaskStatus.Failed)?.Error ?? status;
        return StartAsync(context, new CallbackNotice(
            report.WorkflowId, null, "completed", callback.Url, callback.Token, status, result, error, hlc, context.UtcNow(),
            run > 0 ? CallbackKeys.RunCompletion(report.WorkflowId, run) : null));
    }

    /// <summary>Starts the completion callback of a single task, if its submission has one.</summary>
    public static Task ForTaskAsync(TaskOrchestrationContext context, TaskIndexEntry final)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(final);
        var callback = context.GetInput<TaskSpec>()?.Callback;
        if (callback is null || !callback.EffectiveEvents.Contains(CallbackEventKind.Completed))
        {
            return Task.CompletedTask;
        }

        var result = final.Result is null ? (JsonElement?)null : JsonSerializer.Deserialize<JsonElement>(final.Result);
        return StartAsync(context, new CallbackNotice(
            final.WorkflowId, final.TaskId, "completed", callback.Url, callback.Token, final.Status.ToString().ToLowerInvariant(), result, final.Error, final.Hlc, context.UtcNow(),
            final.Redrives > 0 ? CallbackKeys.RunCompletion(final.WorkflowId, final.Redrives) : null)); // a redrive's outcome is its own delivery
    }

    private static async Task StartAsync(TaskOrchestrationContext context, CallbackNotice notice)
    {
        try
        {
            await context.CallActivityAsync<bool>(nameof(CallbackActivities.StartCallbackDelivery), notice, OrchestrationDefaults.CallbackRetry);
        }
        catch (TaskFailedException)
        {
            // The callback store or the engine refused even after retries: the workflow's result stands regardless.
        }
    }
}
