using System.Text.Json;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using ServerlessTasks.Activities;
using ServerlessTasks.Domain.Clock;
using ServerlessTasks.Domain.Model;
using ServerlessTasks.Domain.Scheduling;
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
        var claim = await context.CallActivityAsync<TaskIndexEntry?>(
            nameof(DeadLetterActivities.ReadTaskEntry), new DependencyRef(context.InstanceId, task.TaskId!), OrchestrationDefaults.BookkeepingRetry);
        if (claim is null || claim.IsTerminal || claim.Redrives == 0)
        {
            // Nothing was claimed for this run (the index lost it, or it is final already): nothing to run again.
            return claim ?? throw new InvalidOperationException($"Task '{task.TaskId}' has no index entry to redrive.");
        }

        var log = new TaskEventLog(context.InstanceId, task.TaskId!);
        if (HlcTimestamp.TryParse(claim.Hlc, out var earlier))
        {
            log.Clock.Receive(earlier, context.UtcNow()); // this run's events follow the earlier run's
        }

        var firstAttempt = claim.Attempts + 1;
        var external = TaskTypes.IsExternal(task.TaskType);
        log.Add(TaskEventKind.Redriven, context.UtcNow(), firstAttempt, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"redrive {claim.Redrives}"));
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
        using var cancellation = new CancellationTokenSource();
        var run = TaskRunner.RunAgainAsync(context, context.InstanceId, task, RetryBackoff.Default, log.Clock, firstAttempt, cancellation.Token);
        if (await Task.WhenAny(run, cancel) == cancel)
        {
            cancellation.Cancel();
            return await SingleTaskOrchestrator.Finish(context, log, entry, WorkflowTaskStatus.Cancelled, null, "cancelled by client", firstAttempt);
        }

        var outcome = await run;
        var final = outcome.Succeeded
            ? await SingleTaskOrchestrator.Finish(context, log, entry, WorkflowTaskStatus.Completed, outcome.Result, null, outcome.Attempts, outcome)
            : await SingleTaskOrchestrator.Finish(context, log, entry, WorkflowTaskStatus.Failed, null, outcome.Error, outcome.Attempts, outcome);
        // After its final state (an activity added after the last step: instances in flight replay unchanged).
        await SkippedTaskRerunOrchestrator.RedriveDependentsAsync(context, final);
        return final;
    }
}
