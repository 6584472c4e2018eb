using DurableTask.Core.Exceptions;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using ServerlessTasks.Domain.Model;
using ServerlessTasks.Functions.Contracts;
using ServerlessTasks.Functions.Orchestration;
using ServerlessTasks.TaskIndex;

namespace ServerlessTasks.Functions.DeadLetters;

/// <summary>
/// Reruns a failed (or cancelled) task of a workflow: claims the task's next run in the index (atomic: of concurrent
/// reruns of one run exactly one claims it), then starts <see cref="WorkflowRerunOrchestrator"/> as a new execution of
/// the workflow, at once when the workflow has finished, else when its current run ends (queued).
/// </summary>
/// <remarks>
/// <para>While the workflow runs, its orchestration owns the instance: the claim is written now (the index is durable,
/// so the rerun survives a restart) and a <see cref="WorkflowRerunQueueOrchestrator"/> per claim starts the rerun once
/// the run has ended. A rerun asked for again while its claim waits answers the same queued rerun.</para>
/// <para>Refused for a task that is not failed or cancelled (a completed task's result is never run again; a skipped
/// one reruns with the task it waited for), after compensations ran (they undid the completed tasks the rerun would
/// build on), and while a first run that may still compensate (its spec has compensations) is running.</para>
/// </remarks>
public sealed class WorkflowRerun(ITaskIndex index)
{
    private static readonly WorkflowTaskStatus[] Rerunnable = [WorkflowTaskStatus.Failed, WorkflowTaskStatus.Cancelled];

    /// <summary>The statuses in which a workflow's orchestration still runs (a rerun start waits for them to end).</summary>
    internal static readonly OrchestrationRuntimeStatus[] Unfinished =
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
            if (unstarted)
            {
                // Asked again while its claim waits: the same queued rerun (its queue is started again if it never was).
                return await QueueAsync(client, entry!, cancellation);
            }

            if (!Rerunnable.Contains(status))
            {
                return NotRerunnable(entry, workflowId, taskId, status);
            }

            if (string.Equals(instance.Name, nameof(WorkflowOrchestrator), StringComparison.OrdinalIgnoreCase) && spec.Tasks.Any(t => t.Compensate is not null))
            {
                return RedriveResult.Conflict(entry, $"Task '{taskId}' of workflow '{workflowId}' is {TaskRedrive.Name(status)}, but the workflow is still running and may compensate its completed tasks; rerun it once the workflow has finished.");
            }

            var queued = TaskRedrive.NextRun(entry!);
            var claimed = await index.ClaimRedriveAsync(queued, Rerunnable, cancellation);
            return claimed.Claimed || IsSameClaim(claimed.Current, queued)
                ? await QueueAsync(client, claimed.Current!, cancellation)
                : NotRerunnable(claimed.Current, workflowId, taskId, claimed.Current?.Status ?? WorkflowTaskStatus.Pending);
        }

        var claim = entry;
        if (!unstarted)
        {
            if (entry is null || !Rerunnable.Contains(entry.Status))
            {
                return NotRerunnable(entry, workflowId, taskId, status);
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
            // Another rerun (of another task) started the workflow first, after this claim or before it: queued, so
            // the claim runs when that rerun ends if it did not take it.
            return await QueueAsync(client, claim!, cancellation);
        }

        return RedriveResult.Started(claim!);
    }

    /// <summary>Starts the queue of a claim (idempotent: one queue orchestration per claim, by its instance id).</summary>
    private static async Task<RedriveResult> QueueAsync(DurableTaskClient client, TaskIndexEntry claim, CancellationToken cancellation)
    {
        var queued = new QueuedRerun(claim.WorkflowId, claim.TaskId, claim.Redrives);
        try
        {
            await client.ScheduleNewOrchestrationInstanceAsync(
                nameof(WorkflowRerunQueueOrchestrator), queued, new StartOrchestrationOptions(queued.InstanceId).WithDedupeStatuses(Unfinished), cancellation);
        }
        catch (OrchestrationAlreadyExistsException)
        {
            // Queued already (a second request for the same run): that queue starts it.
        }

        return RedriveResult.Queued(claim);
    }

    private static bool IsSameClaim(TaskIndexEntry? current, TaskIndexEntry claim) =>
        current is not null && RerunPlan.IsClaim(current) && current.Redrives == claim.Redrives;

    private static RedriveResult NotRerunnable(TaskIndexEntry? entry, string workflowId, string taskId, WorkflowTaskStatus status) =>
        RedriveResult.Conflict(entry, $"Task '{taskId}' of workflow '{workflowId}' is {TaskRedrive.Name(status)}: only a failed or cancelled task can be rerun.");
}
