using DurableTask.Core.Exceptions;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using ServerlessTasks.Activities;
using ServerlessTasks.Domain.Model;
using ServerlessTasks.Functions.Orchestration;
using ServerlessTasks.TaskIndex;

namespace ServerlessTasks.Functions.DeadLetters;

/// <summary>The index reads and starts the redrive and rerun orchestrations make (orchestrators do no I/O).</summary>
public sealed class DeadLetterActivities(ITaskIndex index)
{
    private const string SingleTaskPrefix = "task:";

    private static readonly WorkflowTaskStatus[] FromSkipped = [WorkflowTaskStatus.Skipped];

    /// <summary>One task's index entry (null when unknown).</summary>
    [Function(nameof(ReadTaskEntry))]
    public Task<TaskIndexEntry?> ReadTaskEntry([ActivityTrigger] DependencyRef task, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(task);
        return index.GetAsync(task.WorkflowId, task.TaskId, cancellation);
    }

    /// <summary>Every task entry of a workflow.</summary>
    [Function(nameof(ReadWorkflowEntries))]
    public Task<IReadOnlyList<TaskIndexEntry>> ReadWorkflowEntries([ActivityTrigger] string workflowId, CancellationToken cancellation)
    {
        ArgumentException.ThrowIfNullOrEmpty(workflowId);
        return index.ListWorkflowAsync(workflowId, cancellation);
    }

    /// <summary>
    /// Starts a queued rerun once its workflow's run has ended: <see cref="QueuedRerunState.Done"/> when the claim is
    /// no longer waiting (a rerun took it) or this call started the rerun that takes it (the rerun reads the claims when
    /// it starts, and this claim was written before); <see cref="QueuedRerunState.Waiting"/> while the workflow, or a
    /// rerun that another request started and that may have read the claims before this one, still runs.
    /// </summary>
    [Function(nameof(StartQueuedRerun))]
    public async Task<QueuedRerunState> StartQueuedRerun(
        [ActivityTrigger] QueuedRerun queued,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(queued);
        ArgumentNullException.ThrowIfNull(client);
        var entry = await index.GetAsync(queued.WorkflowId, queued.TaskId, cancellation);
        if (entry is null || !RerunPlan.IsClaim(entry) || entry.Redrives != queued.Run)
        {
            return QueuedRerunState.Done;
        }

        var instance = await client.GetInstanceAsync(queued.WorkflowId, getInputsAndOutputs: true, cancellation);
        if (instance is null)
        {
            return QueuedRerunState.Done; // purged: nothing to rerun in
        }

        if (!instance.IsCompleted)
        {
            return QueuedRerunState.Waiting;
        }

        var spec = instance.ReadInputAs<WorkflowSpec>() ?? throw new InvalidOperationException($"Workflow '{queued.WorkflowId}' has no stored submission.");
        try
        {
            await client.ScheduleNewOrchestrationInstanceAsync(
                nameof(WorkflowRerunOrchestrator), spec, new StartOrchestrationOptions(queued.WorkflowId).WithDedupeStatuses(WorkflowRerun.Unfinished), cancellation);
            return QueuedRerunState.Done;
        }
        catch (OrchestrationAlreadyExistsException)
        {
            return QueuedRerunState.Waiting;
        }
    }

    /// <summary>
    /// After a redriven single task completed: starts again each single task that was skipped because of it (a
    /// dependent, <see cref="ITaskIndex.ListDependentsAsync"/>) and whose other dependencies did not end otherwise than
    /// completed (one that failed or was skipped leaves it skipped: that one's own redrive brings it back). Each is
    /// claimed in the index from <c>skipped</c> (atomic: of concurrent redrives of its dependencies one claims it), then
    /// runs as <see cref="SkippedTaskRerunOrchestrator"/>; a claim that did not start is started again. Returns how many
    /// dependents run again. Idempotent: a retry finds the claims made and starts them at most once (dedupe).
    /// </summary>
    [Function(nameof(RedriveSkippedDependents))]
    public async Task<int> RedriveSkippedDependents(
        [ActivityTrigger] DependencyRef finished,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(finished);
        ArgumentNullException.ThrowIfNull(client);
        var started = 0;
        foreach (var instanceId in await index.ListDependentsAsync(finished.WorkflowId, finished.TaskId, cancellation))
        {
            var taskId = instanceId.StartsWith(SingleTaskPrefix, StringComparison.Ordinal) ? instanceId[SingleTaskPrefix.Length..] : null;
            var entry = taskId is null ? null : await index.GetAsync(instanceId, taskId, cancellation);
            if (entry is null || (entry.Status != WorkflowTaskStatus.Skipped && !RerunPlan.IsClaim(entry)))
            {
                continue; // not a single task, or it ran (or runs) already
            }

            var instance = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: true, cancellation);
            if (instance?.ReadInputAs<TaskSpec>() is not { } spec)
            {
                continue; // purged: nothing to run again
            }

            if (entry.Status == WorkflowTaskStatus.Skipped)
            {
                if (!instance.IsCompleted)
                {
                    // Its orchestration is finishing the skip (its callback): retried (bookkeeping retries) until it has.
                    throw new InvalidOperationException($"Task '{taskId}' was skipped but its orchestration is still finishing.");
                }

                if (await BlockedAsync(spec, cancellation))
                {
                    continue;
                }

                var claim = await index.ClaimRedriveAsync(TaskRedrive.NextRun(entry), FromSkipped, cancellation);
                if (!claim.Claimed && !(claim.Current is { } current && RerunPlan.IsClaim(current) && current.Redrives == entry.Redrives + 1))
                {
                    continue;
                }
            }

            try
            {
                await client.ScheduleNewOrchestrationInstanceAsync(
                    nameof(SkippedTaskRerunOrchestrator), spec, new StartOrchestrationOptions(instanceId).WithDedupeStatuses(WorkflowRerun.Unfinished), cancellation);
                started++;
            }
            catch (OrchestrationAlreadyExistsException)
            {
                // Started already (by this activity's earlier try, or another dependency's redrive).
            }
        }

        return started;
    }

    /// <summary>Whether a dependency of <paramref name="spec"/> ended otherwise than completed (it stays skipped until that one is redriven).</summary>
    private async Task<bool> BlockedAsync(TaskSpec spec, CancellationToken cancellation)
    {
        foreach (var dependency in spec.DependsOn)
        {
            if (await index.GetAsync(TaskIndexEntry.SingleTaskWorkflowId(dependency), dependency, cancellation) is { IsTerminal: true, Status: not WorkflowTaskStatus.Completed })
            {
                return true;
            }
        }

        return false;
    }
}
