using System.Globalization;
using System.Text.Json;
using Microsoft.DurableTask;
using ServerlessTasks.Activities;
using ServerlessTasks.Domain.Clock;
using ServerlessTasks.Domain.Model;
using ServerlessTasks.Functions.Orchestration;
using ServerlessTasks.TaskIndex;

namespace ServerlessTasks.Functions.DeadLetters;

/// <summary>
/// The steps a new run of a single task shares, whether an operator redrove it (<see cref="TaskRedriveOrchestrator"/>)
/// or its redriven dependency completed (<see cref="SkippedTaskRerunOrchestrator"/>): reading the claimed entry, and
/// running the task to its final state. Orchestrator code: replay-safe, in the order the callers had it inline.
/// </summary>
internal static class RedriveRun
{
    /// <summary>
    /// The entry claimed for this run, and an event log whose clock follows the earlier run's with its <c>redriven</c>
    /// event added; the log is null when nothing was claimed (the index lost it, or it is final already): then the
    /// orchestration returns the entry as it is.
    /// </summary>
    /// <param name="context">The orchestration.</param>
    /// <param name="task">The task as submitted.</param>
    /// <param name="what">What the run is, for the error when the task has no entry at all (e.g. <c>redrive</c>).</param>
    public static async Task<(TaskIndexEntry Claim, TaskEventLog? Log)> ClaimedAsync(TaskOrchestrationContext context, TaskSpec task, string what)
    {
        var claim = await context.CallActivityAsync<TaskIndexEntry?>(
            nameof(DeadLetterActivities.ReadTaskEntry), new DependencyRef(context.InstanceId, task.TaskId!), OrchestrationDefaults.BookkeepingRetry)
            ?? throw new InvalidOperationException($"Task '{task.TaskId}' has no index entry to {what}.");
        if (claim.IsTerminal || claim.Redrives == 0)
        {
            return (claim, null);
        }

        var log = new TaskEventLog(context.InstanceId, task.TaskId!);
        if (HlcTimestamp.TryParse(claim.Hlc, out var earlier))
        {
            log.Clock.Receive(earlier, context.UtcNow()); // this run's events follow the earlier run's
        }

        log.Add(TaskEventKind.Redriven, context.UtcNow(), claim.Attempts + 1, string.Create(CultureInfo.InvariantCulture, $"redrive {claim.Redrives}"));
        return (claim, log);
    }

    /// <summary>
    /// Runs the task (attempts numbered from <paramref name="firstAttempt"/>) until it finishes or <paramref name="cancel"/>
    /// comes, records the final state, and when it completed lets its skipped dependents run again.
    /// </summary>
    public static async Task<TaskIndexEntry> RunToEndAsync(
        TaskOrchestrationContext context, TaskSpec task, TaskEventLog log, TaskIndexEntry entry, int firstAttempt, Task<JsonElement?> cancel)
    {
        using var cancellation = new CancellationTokenSource();
        var run = TaskRunner.RunAgainAsync(context, context.InstanceId, task, log.Clock, firstAttempt, cancellation.Token);
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
