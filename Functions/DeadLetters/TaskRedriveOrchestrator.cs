using System.Text.Json;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using ServerlessTasks.Activities;
using ServerlessTasks.Domain.Model;
using ServerlessTasks.Functions.Orchestration;
using ServerlessTasks.TaskIndex;

namespace ServerlessTasks.Functions.DeadLetters;

/// <summary>
/// Runs a dead-lettered single task again (<c>POST /api/tasks/{task_id}/redrive</c>): a new execution of its own
/// instance (<c>task:{task_id}</c>, so its status URLs stay the same) whose input is the task exactly as submitted.
/// The redrive endpoint has already claimed the run in the task index (the failed entry replaced by a pending one
/// with <see cref="TaskIndexEntry.Redrives"/> one higher); this reads that claim, records a <c>redriven</c> event and
/// runs the task with a fresh attempt budget, its attempts numbered on from the earlier run's.
/// </summary>
/// <remarks>
/// A separate orchestrator rather than a new branch in <see cref="SingleTaskOrchestrator"/>: instances of that one
/// in flight replay unchanged. Dependencies are not waited for again: they had completed (a failed task is not a
/// skipped one). A cancel event cancels the run as it does a first run. Once it completes, the single tasks that were
/// skipped because it failed run again (<see cref="SkippedTaskRerunOrchestrator"/>).
/// </remarks>
public static class TaskRedriveOrchestrator
{
    /// <summary>The orchestrator function.</summary>
    [Function(nameof(TaskRedriveOrchestrator))]
    public static async Task<TaskIndexEntry> RunAsync([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var task = context.GetInput<TaskSpec>() ?? throw new InvalidOperationException("The redrive orchestrator needs a task spec as input.");
        var (claim, log) = await RedriveRun.ClaimedAsync(context, task, "redrive");
        if (log is null)
        {
            return claim; // nothing was claimed for this run: nothing to run again
        }

        var firstAttempt = claim.Attempts + 1;
        var external = TaskTypes.IsExternal(task.TaskType);
        log.Add(TaskEventKind.Dispatched, context.UtcNow(), attempt: firstAttempt);
        var entry = claim with
        {
            Status = external ? WorkflowTaskStatus.Pending : WorkflowTaskStatus.Running,
            StartedAt = external ? null : context.UtcNow(),
            StartSequence = 1,
            Version = 2,
        };
        await SingleTaskOrchestrator.Index(context, entry, log);

        var cancel = context.WaitForExternalEvent<JsonElement?>(WorkflowOrchestrator.CancelEvent);
        return await RedriveRun.RunToEndAsync(context, task, log, entry, firstAttempt, cancel);
    }
}
