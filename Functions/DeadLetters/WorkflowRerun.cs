using DurableTask.Core.Exceptions;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using ServerlessTasks.Domain.Model;
using ServerlessTasks.Functions.Contracts;
using ServerlessTasks.Functions.Orchestration;
using ServerlessTasks.TaskIndex;

namespace ServerlessTasks.Functions.DeadLetters;

/// <summary>
/// Reruns a task of a finished workflow: claims the task's next run in the index (atomic: of concurrent reruns of
/// one run exactly one wins), then starts <see cref="WorkflowRerunOrchestrator"/> as a new execution of the workflow.
/// </summary>
/// <remarks>
/// Refused while the workflow runs (its orchestration owns its tasks until it ends), for a task that is not failed or
/// cancelled (a completed task's result is never run again; a skipped one reruns with the task it waited for), and
/// after compensations ran (they undid the completed tasks the rerun would build on).
/// </remarks>
public sealed class WorkflowRerun(ITaskIndex index)
{
    private static readonly WorkflowTaskStatus[] Rerunnable = [WorkflowTaskStatus.Failed, WorkflowTaskStatus.Cancelled];

    private static readonly OrchestrationRuntimeStatus[] Unfinished =
        [OrchestrationRuntimeStatus.Pending, OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Suspended];

    /// <summary>Reruns <paramref name="taskId"/> of workflow <paramref name="workflowId"/>.</summary>
    public async Task<RedriveResult> RerunAsync(DurableTaskClient client, string workflowId, string taskId, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(client);
        var instance = await client.GetInstanceAsync(workflowId, getInputsAndOutputs: true, cancellation);
        if (instance is null || !WorkflowRerunOrchestrator.IsWorkflow(instance.Name))
        {
            return new RedriveResult(RedriveOutcome.NotFound, null, $"No workflow with id '{workflowId}'.");
        }

        var spec = instance.ReadInputAs<WorkflowSpec>();
        if (spec?.Tasks.Any(t => t.TaskId == taskId) != true)
        {
            return new RedriveResult(RedriveOutcome.NotFound, null, $"No task with id '{taskId}' in workflow '{workflowId}'.");
        }

        var entry = await index.GetAsync(workflowId, taskId, cancellation);
        var status = entry?.Status ?? WorkflowTaskStatus.Pending;
        var unstarted = entry is not null && RerunPlan.IsClaim(entry);
        if (!instance.IsCompleted)
        {
            return RedriveResult.Conflict(entry, unstarted || !Rerunnable.Contains(status)
                ? $"Task '{taskId}' of workflow '{workflowId}' is {TaskRedrive.Name(status)}: only a failed or cancelled task can be rerun."
                : $"Task '{taskId}' of workflow '{workflowId}' is {TaskRedrive.Name(status)}, but the workflow is still running; rerun it once the workflow has finished.");
        }

        var claim = entry;
        if (!unstarted)
        {
            if (entry is null || !Rerunnable.Contains(entry.Status))
            {
                return RedriveResult.Conflict(entry, $"Task '{taskId}' of workflow '{workflowId}' is {TaskRedrive.Name(status)}: only a failed or cancelled task can be rerun.");
            }

            if (instance.ReadOutputAs<WorkflowReport>()?.Compensations is { Count: > 0 })
            {
                return RedriveResult.Conflict(entry, $"Workflow '{workflowId}' ran compensations after it failed: its completed tasks were undone, so its tasks cannot be rerun.");
            }

            claim = TaskRedrive.NextRun(entry);
            var won = await index.ClaimRedriveAsync(claim, Rerunnable, cancellation);
            if (!won.Claimed)
            {
                return RedriveResult.Conflict(won.Current, $"Task '{taskId}' of workflow '{workflowId}' is {TaskRedrive.Name(won.Current?.Status ?? WorkflowTaskStatus.Pending)}: another rerun started it.");
            }
        }

        try
        {
            await client.ScheduleNewOrchestrationInstanceAsync(
                nameof(WorkflowRerunOrchestrator), spec, new StartOrchestrationOptions(workflowId).WithDedupeStatuses(Unfinished), cancellation);
        }
        catch (OrchestrationAlreadyExistsException)
        {
            // Another rerun (of this task's claim, or of another task) started the workflow first: the claim stays and
            // the next rerun request after it finishes starts it (a claim that has not started is started again).
            return RedriveResult.Conflict(claim, $"Workflow '{workflowId}' is running another rerun; rerun task '{taskId}' once it has finished.");
        }

        return RedriveResult.Started(claim!);
    }
}
