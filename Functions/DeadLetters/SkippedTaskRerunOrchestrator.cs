using System.Text.Json;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using ServerlessTasks.Activities;
using ServerlessTasks.Domain.Model;
using ServerlessTasks.Domain.Scheduling;
using ServerlessTasks.Functions.Orchestration;
using ServerlessTasks.TaskIndex;

namespace ServerlessTasks.Functions.DeadLetters;

/// <summary>
/// Runs again a single task that was skipped because a dependency failed, once that dependency was redriven and
/// completed (<see cref="DeadLetterActivities.RedriveSkippedDependents"/> claimed it): a new execution of its own
/// instance (<c>task:{task_id}</c>), input the task as submitted. Unlike a redrive, it waits for its dependencies again
/// (others may still run; one that ends otherwise than completed skips it again), then runs with attempts numbered on.
/// When it completes, its own skipped dependents run again the same way.
/// </summary>
/// <remarks>
/// A separate orchestrator, so instances of <see cref="SingleTaskOrchestrator"/> and <see cref="TaskRedriveOrchestrator"/>
/// in flight replay unchanged. The task's deadline is not applied again (an operator's redrive asks for the work).
/// </remarks>
public static class SkippedTaskRerunOrchestrator
{
    /// <summary>The orchestrator function.</summary>
    [Function(nameof(SkippedTaskRerunOrchestrator))]
    public static async Task<TaskIndexEntry> RunAsync([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var task = context.GetInput<TaskSpec>() ?? throw new InvalidOperationException("The skipped-task rerun orchestrator needs a task spec as input.");
        var (claim, log) = await RedriveRun.ClaimedAsync(context, task, "rerun");
        if (log is null)
        {
            return claim;
        }

        var firstAttempt = claim.Attempts + 1;
        var entry = claim with { Version = 1 };
        await SingleTaskOrchestrator.Index(context, entry, log);

        var cancel = context.WaitForExternalEvent<JsonElement?>(WorkflowOrchestrator.CancelEvent);
        var blocker = await SingleTaskOrchestrator.WaitForDependenciesAsync(context, task, cancel);
        if (cancel.IsCompleted)
        {
            return await SingleTaskOrchestrator.Finish(context, log, entry, WorkflowTaskStatus.Cancelled, null, "cancelled by client", claim.Attempts);
        }

        if (blocker is not null)
        {
            return await SingleTaskOrchestrator.Finish(context, log, entry, WorkflowTaskStatus.Skipped, null,
                $"{FailureReasons.DependencyFailed}: dependency '{blocker.TaskId}' {blocker.Status.ToString().ToLowerInvariant()}", claim.Attempts);
        }

        var external = TaskTypes.IsExternal(task.TaskType);
        entry = entry with
        {
            Status = external ? WorkflowTaskStatus.Pending : WorkflowTaskStatus.Running,
            StartedAt = external ? null : context.UtcNow(),
            StartSequence = 1,
            Version = 2,
        };
        log.Add(TaskEventKind.Ready, context.UtcNow());
        log.Add(TaskEventKind.Dispatched, context.UtcNow(), attempt: firstAttempt);
        await SingleTaskOrchestrator.Index(context, entry, log);

        return await RedriveRun.RunToEndAsync(context, task, log, entry, firstAttempt, cancel);
    }

    /// <summary>After a redriven (or rerun) single task's run: when it completed, its skipped dependents run again.</summary>
    internal static async Task RedriveDependentsAsync(TaskOrchestrationContext context, TaskIndexEntry final)
    {
        if (final.Status == WorkflowTaskStatus.Completed)
        {
            await context.CallActivityAsync<int>(
                nameof(DeadLetterActivities.RedriveSkippedDependents), new DependencyRef(final.WorkflowId, final.TaskId), OrchestrationDefaults.BookkeepingRetry);
        }
    }
}
