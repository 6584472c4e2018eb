using DurableTask.Core.Exceptions;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using ServerlessTasks.Domain.Model;
using ServerlessTasks.TaskIndex;

namespace ServerlessTasks.Functions.DeadLetters;

/// <summary>
/// Redrives one dead-lettered single task: claims its next run in the task index (atomic: of concurrent redrives
/// exactly one wins), then starts <see cref="TaskRedriveOrchestrator"/> as a new execution of the task's instance.
/// </summary>
/// <remarks>
/// Only a failed task whose orchestration has finished is redriven, so a committed result is never run again: a
/// completed task is refused, and the claim moves the entry off <c>failed</c> before anything starts. A claim whose
/// start did not happen (the app stopped in between) is started by the next redrive of the task.
/// </remarks>
public sealed class TaskRedrive(ITaskIndex index)
{
    private static readonly WorkflowTaskStatus[] FromFailed = [WorkflowTaskStatus.Failed];

    private static readonly OrchestrationRuntimeStatus[] Unfinished =
        [OrchestrationRuntimeStatus.Pending, OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Suspended];

    /// <summary>Redrives <paramref name="taskId"/>.</summary>
    public async Task<RedriveResult> RedriveAsync(DurableTaskClient client, string taskId, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(client);
        var instanceId = TaskIndexEntry.SingleTaskWorkflowId(taskId);
        var entry = await index.GetAsync(instanceId, taskId, cancellation);
        var instance = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: true, cancellation);
        if (instance is null)
        {
            return entry is null
                ? RedriveResult.NotFound(taskId)
                : RedriveResult.Conflict(entry, $"Task '{taskId}' cannot be redriven: its submission was purged.");
        }

        if (entry is null)
        {
            return RedriveResult.Conflict(null, $"Task '{taskId}' is pending: only a failed (dead-lettered) task can be redriven.");
        }

        var unstarted = entry is { Status: WorkflowTaskStatus.Pending, Version: 0, Redrives: > 0 };
        if (!instance.IsCompleted)
        {
            return RedriveResult.Conflict(entry, unstarted || entry.Status != WorkflowTaskStatus.Failed
                ? $"Task '{taskId}' is {Name(entry.Status)}: only a failed (dead-lettered) task can be redriven."
                : $"Task '{taskId}' is failed but its orchestration is still finishing; redrive it once it has.");
        }

        var claim = entry;
        if (!unstarted)
        {
            if (entry.Status != WorkflowTaskStatus.Failed)
            {
                return RedriveResult.Conflict(entry, $"Task '{taskId}' is {Name(entry.Status)}: only a failed (dead-lettered) task can be redriven.");
            }

            claim = NextRun(entry);
            var won = await index.ClaimRedriveAsync(claim, FromFailed, cancellation);
            if (!won.Claimed)
            {
                return RedriveResult.Conflict(won.Current, $"Task '{taskId}' is {Name(won.Current?.Status ?? WorkflowTaskStatus.Pending)}: another redrive started it.");
            }
        }

        var spec = instance.ReadInputAs<TaskSpec>() ?? throw new InvalidOperationException($"Task '{taskId}' has no stored submission.");
        try
        {
            await client.ScheduleNewOrchestrationInstanceAsync(
                nameof(TaskRedriveOrchestrator), spec, new StartOrchestrationOptions(instanceId).WithDedupeStatuses(Unfinished), cancellation);
        }
        catch (OrchestrationAlreadyExistsException)
        {
            // Only when two requests both found a claim that had not started: the other one started it.
            return RedriveResult.Conflict(claim, $"Task '{taskId}' is pending: another redrive started it.");
        }

        return RedriveResult.Started(claim);
    }

    /// <summary>The entry that claims a failed task's next run: pending, one more redrive, no outcome, attempts kept.</summary>
    public static TaskIndexEntry NextRun(TaskIndexEntry failed)
    {
        ArgumentNullException.ThrowIfNull(failed);
        return failed with
        {
            Status = WorkflowTaskStatus.Pending,
            Redrives = failed.Redrives + 1,
            Version = 0,
            Result = null,
            Error = null,
            StartedAt = null,
            CompletedAt = null,
            WorkerId = null,
            StartSequence = 0,
            FinishSequence = 0,
        };
    }

    /// <summary>A status as the API names it.</summary>
    public static string Name(WorkflowTaskStatus status) => status.ToString().ToLowerInvariant();
}

/// <summary>What a redrive did.</summary>
/// <param name="Outcome">Started, not found, or refused.</param>
/// <param name="Entry">The task's entry (the claim when started).</param>
/// <param name="Message">Why it was refused or not found.</param>
public sealed record RedriveResult(RedriveOutcome Outcome, TaskIndexEntry? Entry, string? Message)
{
    /// <summary>The task runs again.</summary>
    public static RedriveResult Started(TaskIndexEntry claim) => new(RedriveOutcome.Started, claim, null);

    /// <summary>The task runs again once its workflow's current run has ended (a rerun asked for while it runs).</summary>
    public static RedriveResult Queued(TaskIndexEntry claim) => new(RedriveOutcome.Queued, claim, null);

    /// <summary>No such task.</summary>
    public static RedriveResult NotFound(string taskId) => new(RedriveOutcome.NotFound, null, $"No task with id '{taskId}'.");

    /// <summary>The task is not failed (or another redrive won).</summary>
    public static RedriveResult Conflict(TaskIndexEntry? entry, string message) => new(RedriveOutcome.Conflict, entry, message);
}

/// <summary>The outcome of a redrive.</summary>
public enum RedriveOutcome
{
    /// <summary>A new run started.</summary>
    Started,

    /// <summary>A new run is claimed and starts when the workflow's current run ends.</summary>
    Queued,

    /// <summary>No such task.</summary>
    NotFound,

    /// <summary>Refused: the task is not failed, or another redrive started it.</summary>
    Conflict,
}
