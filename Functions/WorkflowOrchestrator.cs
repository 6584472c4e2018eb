using System.Text.Json;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using ServerlessTasks.Activities;
using ServerlessTasks.Activities.Events;
using ServerlessTasks.Domain.Model;
using ServerlessTasks.Functions.Contracts;
using ServerlessTasks.Functions.Orchestration;

namespace ServerlessTasks.Functions;

/// <summary>
/// Runs a workflow's DAG: every task whose dependencies completed becomes ready and is dispatched by
/// effective priority under the workflow's parallelism cap; a failed task skips its dependents; the
/// <c>cancel</c> event stops dispatching and cancels what has not finished. Task states reach the task
/// index in batches, one batch in flight at a time, and the last batch lands before the workflow ends.
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
        var run = new WorkflowRun(context.InstanceId, spec, context.UtcNow());
        var report = await RunDagAsync(context, run);
        await NotifyAsync(context, spec, run, report);
        return report;
    }

    /// <summary>
    /// The DAG loop: dispatches ready tasks, records outcomes, keeps the index in step, applies a cancel; then, when a
    /// first run failed, the compensations. Returns the run's report. Also runs a rerun's tasks (<see cref="DeadLetters.WorkflowRerunOrchestrator"/>),
    /// inline (no batches or chain segments) and without compensations.
    /// </summary>
    internal static async Task<WorkflowReport> RunDagAsync(TaskOrchestrationContext context, WorkflowRun run)
    {
        var pending = new CompletionQueue<WorkItem>();
        pending.Add(WorkItem.Cancel, context.WaitForExternalEvent<JsonElement?>(CancelEvent));

        // Cancels the timers of tasks still waiting when the workflow is cancelled: an open durable timer keeps an
        // orchestration from completing (Durable's rule), so a cancelled workflow would otherwise wait out its approvals.
        using var cancellation = new CancellationTokenSource();
        var segments = new Segments();
        var indexing = false;
        var lastBatch = new TaskIndexBatch([], []);

        while (true)
        {
            if (segments.CancelReason is { } reason && segments.Running.Count == 0)
            {
                // Every chain segment reported what it ran before it heard of the cancel: now cancel the rest.
                run.Cancel(reason, context.UtcNow());
                cancellation.Cancel();
                segments.CancelReason = null;
            }

            if (segments.CancelReason is null
                && Dispatch(context, run, pending, segments, mayCarry: !indexing && run.Rerun is null, cancellation.Token) is { } carry)
            {
                // The batch due now rides on a task just started (its activity writes it first): no IndexTasks call.
                lastBatch = carry.Batch;
                pending.Add(WorkItem.IndexFlush, carry.Receipt);
                indexing = true;
            }

            if (!indexing && run.HasIndexUpdates)
            {
                var events = run.TakeEvents();
                lastBatch = new TaskIndexBatch(run.TakeIndexUpdates(), events, run.CallbacksFor(events));
                pending.Add(WorkItem.IndexFlush, context.CallActivityAsync<TaskIndexReceipt>(nameof(TaskIndexActivities.IndexTasks), lastBatch, OrchestrationDefaults.BookkeepingRetry));
                indexing = true;
            }

            context.SetCustomStatus(run.Progress());
            if (run.IsFinished && !indexing)
            {
                break;
            }

            var (item, outcome) = await pending.NextAsync();
            switch (item.Kind)
            {
                case WorkKind.Cancel when segments.Running.Count > 0:
                    // Chain segments start no further link once told and report what they ran; until they have, nothing
                    // more is dispatched here, then the cancel is applied (their running links become cancelled).
                    segments.CancelReason = ReasonOf(outcome);
                    foreach (var segment in segments.Running)
                    {
                        context.SendEvent(segment, CancelEvent, segments.CancelReason);
                    }

                    break;
                case WorkKind.Cancel:
                    run.Cancel(ReasonOf(outcome), context.UtcNow());
                    cancellation.Cancel();
                    break;
                case WorkKind.IndexFlush when !outcome.IsCompletedSuccessfully || ((Task<TaskIndexReceipt?>)outcome).Result is null:
                    // The index store failed even after retries, or the task carrying the batch did not write it: send the
                    // same batch again; versions keep it idempotent.
                    pending.Add(WorkItem.IndexFlush, context.CallActivityAsync<TaskIndexReceipt>(nameof(TaskIndexActivities.IndexTasks), lastBatch, OrchestrationDefaults.BookkeepingRetry));
                    break;
                case WorkKind.IndexFlush:
                    // Later stamps of this run follow the host's clock (and so its persisted high-water mark).
                    run.Clock.Receive(((Task<TaskIndexReceipt?>)outcome).Result!.Hlc, context.UtcNow());
                    indexing = false;
                    break;
                case WorkKind.Batch:
                    RecordBatch(run, item.Batch!, outcome, context.UtcNow());
                    break;
                case WorkKind.Chain:
                    segments.Running.Remove(item.SegmentId!);
                    RecordChain(run, item.Batch!, outcome, context.UtcNow());
                    break;
                default:
                    Record(run, item.Task!, ((Task<TaskOutcome>)outcome).Result, context.UtcNow());
                    break;
            }
        }

        if (run.Rerun is null && run.CancelReason is null && run.Counts().Failed > 0)
        {
            await CompensateAsync(context, run);
        }

        return run.Report();
    }

    /// <summary>Starts the workflow's completion callback, when it asked for one (<paramref name="runNumber"/>: see <see cref="Callbacks.CallbackKeys.RunCompletion"/>).</summary>
    internal static async Task NotifyAsync(TaskOrchestrationContext context, WorkflowSpec spec, WorkflowRun run, WorkflowReport report, int runNumber = 0)
    {
        if (spec.Callback is not null)
        {
            // Stamped after every task event of the run, so receivers can order it against the journal.
            var completedAt = run.Clock.Next(context.UtcNow()).ToString();
            await Callbacks.CallbackStarter.ForWorkflowAsync(context, spec.Callback, report, completedAt, runNumber); // never changes the result
        }
    }

    /// <summary>
    /// Starts every ready task. Large workflows hand activity tasks to batch sub-orchestrations so no
    /// history grows past a few thousand events; tasks that wait in the orchestrator (delay, approval)
    /// always run here, where their timers and events arrive. With <paramref name="mayCarry"/> (no index batch in
    /// flight), the index updates due, these dispatches included, ride on the first ready task that can carry them
    /// (<see cref="IndexCarry"/>), which is returned; null when none can (the caller then sends them itself).
    /// </summary>
    private static IndexCarry? Dispatch(TaskOrchestrationContext context, WorkflowRun run, CompletionQueue<WorkItem> pending, Segments segments, bool mayCarry, CancellationToken cancellation)
    {
        var ready = run.DispatchReady(context.UtcNow());
        // Small workflows only: there every ready task is started inline below (no batch or chain sub-orchestrations).
        var carrier = mayCarry && run.Spec.Tasks.Count <= TaskBatchOrchestrator.Threshold && run.HasIndexUpdates
            ? ready.FirstOrDefault(IndexCarry.CanCarry)
            : null;
        IndexCarry? carry = null;
        if (carrier is not null)
        {
            var events = run.TakeEvents();
            carry = new IndexCarry(new TaskIndexBatch(run.TakeIndexUpdates(), events, run.CallbacksFor(events)));
        }

        // A batch pays for a sub-orchestration; it is worth it only when many tasks start together
        // (wide DAGs). Chains and trickles run inline, where each task costs no extra orchestration.
        var batched = run.Rerun is null && run.Spec.Tasks.Count > TaskBatchOrchestrator.Threshold
            && ready.Count(t => !TaskRunner.RunsInOrchestrator(t.TaskType)) >= TaskBatchOrchestrator.MinBatchSize;
        var batch = new List<TaskSpec>();
        foreach (var task in ready)
        {
            if (batched && !TaskRunner.RunsInOrchestrator(task.TaskType))
            {
                batch.Add(task);
                if (batch.Count == TaskBatchOrchestrator.MaxBatchSize)
                {
                    StartBatch(context, run, pending, batch);
                    batch = [];
                }

                continue;
            }

            if (run.Rerun is null && run.Spec.Tasks.Count > TaskBatchOrchestrator.Threshold && !TaskRunner.RunsInOrchestrator(task.TaskType)
                && run.ChainFrom(task, TaskChainOrchestrator.MaxLength) is { Count: >= TaskChainOrchestrator.MinLength } chain)
            {
                StartChain(context, run, pending, segments, chain);
                continue;
            }

            // Attempt 1 in a first run (the same as RunAsync); in a rerun numbered on from the earlier runs' attempts.
            // An order step waits its tier's back-off between attempts (VIP sooner); every other task the default.
            pending.Add(
                new WorkItem(WorkKind.Task, task),
                TaskRunner.RunAgainAsync(context, context.InstanceId, task, run.Clock, run.FirstAttemptOf(task.TaskId!), ReferenceEquals(task, carrier) ? carry : null, cancellation));
        }

        if (batch.Count > 0)
        {
            StartBatch(context, run, pending, batch);
        }

        return carry;
    }

    private static void StartBatch(TaskOrchestrationContext context, WorkflowRun run, CompletionQueue<WorkItem> pending, List<TaskSpec> tasks) =>
        pending.Add(
            new WorkItem(WorkKind.Batch, null, tasks),
            context.CallSubOrchestratorAsync<IReadOnlyList<TaskOutcome>>(nameof(TaskBatchOrchestrator), new TaskBatch(context.InstanceId, tasks, run.Clock.Next(context.UtcNow()))));

    /// <summary>
    /// Hands a long chain (its first link just dispatched) to a segment orchestration, so the workflow runs one
    /// episode per segment instead of one per link. The workflow names its instance, so it can tell it about a cancel.
    /// </summary>
    private static void StartChain(TaskOrchestrationContext context, WorkflowRun run, CompletionQueue<WorkItem> pending, Segments segments, IReadOnlyList<TaskSpec> chain)
    {
        // A replay-safe guid: a user's workflow id can never equal it (ids are the client's choice).
        var id = $"{context.InstanceId}:chain:{context.NewGuid():N}";
        segments.Running.Add(id);
        pending.Add(
            new WorkItem(WorkKind.Chain, null, chain, id),
            context.CallSubOrchestratorAsync<IReadOnlyList<ChainStep>>(
                nameof(TaskChainOrchestrator), new TaskChain(context.InstanceId, chain, run.Clock.Next(context.UtcNow())), new SubOrchestrationOptions((TaskRetryOptions?)null, id)));
    }

    private static void RecordChain(WorkflowRun run, IReadOnlyList<TaskSpec> chain, Task outcome, DateTimeOffset now)
    {
        if (outcome.IsCompletedSuccessfully)
        {
            run.ApplyChain(chain, ((Task<IReadOnlyList<ChainStep>>)outcome).Result, now);
            return;
        }

        // The segment orchestration itself failed (not a task: those are outcomes): its first link fails, the rest are skipped.
        var error = outcome.Exception?.InnerException is TaskFailedException failed ? failed.FailureDetails.ErrorMessage : "chain segment failed";
        Record(run, chain[0], new TaskOutcome(false, null, error, 1), now);
    }

    private static void RecordBatch(WorkflowRun run, IReadOnlyList<TaskSpec> tasks, Task outcome, DateTimeOffset now)
    {
        if (outcome.IsCompletedSuccessfully)
        {
            var outcomes = ((Task<IReadOnlyList<TaskOutcome>>)outcome).Result;
            for (var i = 0; i < tasks.Count; i++)
            {
                Record(run, tasks[i], outcomes[i], now);
            }

            return;
        }

        var error = outcome.Exception?.InnerException is TaskFailedException failed ? failed.FailureDetails.ErrorMessage : "batch failed";
        foreach (var task in tasks)
        {
            Record(run, task, new TaskOutcome(false, null, error, 1), now);
        }
    }

    /// <summary>
    /// Retries a compensation gets at least: a failed undo leaves the completed work in place (money charged, stock
    /// held), so it outlasts the dependency outages its own task's budget gives up in (with the default back-off,
    /// 8 retries wait 2-4 minutes in all).
    /// </summary>
    public const int CompensationMinRetries = 8;

    /// <summary>Runs the compensations of completed tasks, dependents before their dependencies, one at a time.</summary>
    private static async Task CompensateAsync(TaskOrchestrationContext context, WorkflowRun run)
    {
        foreach (var taskId in run.Scheduler.GetCompensationOrder())
        {
            var original = run.Spec.Tasks.First(t => t.TaskId == taskId);
            var retries = Math.Max(original.MaxRetries ?? 0, CompensationMinRetries);
            var undo = new TaskSpec($"{taskId}:compensate", original.Compensate!.TaskType, original.Compensate.Payload, MaxRetries: retries, Timeout: original.Timeout);
            var outcome = await TaskRunner.RunAsync(context, context.InstanceId, undo);
            run.RecordCompensation(taskId, outcome);
        }
    }

    private static void Record(WorkflowRun run, TaskSpec task, TaskOutcome outcome, DateTimeOffset now)
    {
        if (outcome.Succeeded)
        {
            run.Complete(task.TaskId!, outcome.Result, outcome.Attempts, now, outcome.Events, outcome.Finished);
        }
        else
        {
            run.Fail(task.TaskId!, outcome.Error ?? "failed", outcome.Attempts, now, outcome.Events, outcome.Finished);
        }
    }

    private static string ReasonOf(Task cancelEvent) =>
        cancelEvent.IsCompletedSuccessfully && ((Task<JsonElement?>)cancelEvent).Result is { ValueKind: JsonValueKind.String } reason
            ? reason.GetString()!
            : "cancelled by client";

    private enum WorkKind
    {
        Task,
        Cancel,
        IndexFlush,
        Batch,
        Chain,
    }

    /// <summary>The chain segments of the run that have not returned (their instance ids), and a cancel waiting for them.</summary>
    private sealed class Segments
    {
        public List<string> Running { get; } = [];

        public string? CancelReason { get; set; }
    }

    private sealed record WorkItem(WorkKind Kind, TaskSpec? Task, IReadOnlyList<TaskSpec>? Batch = null, string? SegmentId = null)
    {
        public static readonly WorkItem Cancel = new(WorkKind.Cancel, null);

        public static readonly WorkItem IndexFlush = new(WorkKind.IndexFlush, null);
    }
}
