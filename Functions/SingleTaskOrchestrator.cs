using System.Text.Json;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using ServerlessTasks.Activities;
using ServerlessTasks.Activities.Events;
using ServerlessTasks.Domain.Model;
using ServerlessTasks.Domain.Scheduling;
using ServerlessTasks.Functions.Callbacks;
using ServerlessTasks.Functions.Contracts;
using ServerlessTasks.Functions.Orchestration;
using ServerlessTasks.TaskIndex;

namespace ServerlessTasks.Functions;

/// <summary>
/// Runs one task submitted on its own (<c>POST /api/tasks</c>). Its dependencies name tasks submitted
/// earlier: it registers as their waiter and sleeps until each one's completion event arrives (no polling);
/// if one did not complete, this task is skipped. A <c>cancel</c> event cancels it while it waits or runs.
/// </summary>
public static class SingleTaskOrchestrator
{
    /// <summary>The orchestrator function.</summary>
    [Function(nameof(SingleTaskOrchestrator))]
    public static async Task<TaskIndexEntry> RunAsync([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var task = context.GetInput<TaskSpec>() ?? throw new InvalidOperationException("The task orchestrator needs a task spec as input.");
        var entry = new TaskIndexEntry
        {
            WorkflowId = context.InstanceId,
            TaskId = task.TaskId!,
            TaskType = task.TaskType,
            Status = WorkflowTaskStatus.Pending,
            Priority = task.Priority,
            CreatedAt = context.UtcNow(),
            Version = 1,
        };
        var log = new TaskEventLog(context.InstanceId, task.TaskId!);
        log.Add(TaskEventKind.Submitted, context.UtcNow());
        await Index(context, entry, log);

        var cancel = context.WaitForExternalEvent<JsonElement?>(WorkflowOrchestrator.CancelEvent);
        var blocker = await WaitForDependenciesAsync(context, task, cancel);
        if (cancel.IsCompleted)
        {
            return await Finish(context, log, entry, WorkflowTaskStatus.Cancelled, null, "cancelled by client", 0);
        }

        if (blocker is not null)
        {
            return await Finish(context, log, entry, WorkflowTaskStatus.Skipped, null, $"{FailureReasons.DependencyFailed}: dependency '{blocker.TaskId}' {blocker.Status.ToString().ToLowerInvariant()}", 0);
        }

        if (task.Deadline is { } deadline && deadline <= context.UtcNow())
        {
            return await Finish(context, log, entry, WorkflowTaskStatus.Failed, null, FailureReasons.DeadlineExceeded, 0);
        }

        // A task for external workers stays pending until a worker leases it (the read side shows it running then, from the worker store).
        var external = TaskTypes.IsExternal(task.TaskType);
        entry = entry with { Status = external ? WorkflowTaskStatus.Pending : WorkflowTaskStatus.Running, StartedAt = external ? null : context.UtcNow(), Attempts = 1, StartSequence = 1, Version = 2 };
        log.Add(TaskEventKind.Ready, context.UtcNow());
        log.Add(TaskEventKind.Dispatched, context.UtcNow(), attempt: 1);
        await Index(context, entry, log);
        // A cancel also cancels the run's open durable timers (a delay, an approval window, a back-off): an open timer
        // keeps an orchestration from completing, so the cancelled task would otherwise stay running until it fired.
        using var cancellation = new CancellationTokenSource();
        var run = TaskRunner.RunAsync(context, context.InstanceId, task, log.Clock, cancellation.Token);
        if (await Task.WhenAny(run, cancel) == cancel)
        {
            cancellation.Cancel();
            return await Finish(context, log, entry, WorkflowTaskStatus.Cancelled, null, "cancelled by client", 1);
        }

        var outcome = await run;
        return outcome.Succeeded
            ? await Finish(context, log, entry, WorkflowTaskStatus.Completed, outcome.Result, null, outcome.Attempts, outcome)
            : await Finish(context, log, entry, WorkflowTaskStatus.Failed, null, outcome.Error, outcome.Attempts, outcome);
    }

    /// <summary>Watch rounds (0.5 s doubling to 30 s, about 7 minutes in all) for a dependency to appear in the index.</summary>
    private const int UnindexedDependencyRounds = 20;

    /// <summary>Waits until every dependency finished; returns the first that did not complete, or null.</summary>
    internal static async Task<TaskIndexEntry?> WaitForDependenciesAsync(TaskOrchestrationContext context, TaskSpec task, Task cancel)
    {
        if (task.DependsOn.Count == 0)
        {
            return null;
        }

        var dependencies = task.DependsOn.Select(d => new DependencyRef(TaskIndexEntry.SingleTaskWorkflowId(d), d)).ToList();
        var states = await context.CallActivityAsync<IReadOnlyList<TaskIndexEntry?>>(
            nameof(TaskIndexActivities.WatchDependencies), new WatchRequest(context.InstanceId, dependencies), OrchestrationDefaults.BookkeepingRetry);
        // A dependency accepted a moment before this task may not be indexed yet (its orchestration writes its first
        // row when it runs), and only indexed tasks take waiters: watch again, backing off, until every one is known.
        for (var round = 0; states.Any(s => s is null); round++)
        {
            if (round == UnindexedDependencyRounds)
            {
                var missing = dependencies[states.ToList().FindIndex(s => s is null)];
                return new TaskIndexEntry { WorkflowId = missing.WorkflowId, TaskId = missing.TaskId, TaskType = "unknown", Status = WorkflowTaskStatus.Skipped };
            }

            using var wait = new CancellationTokenSource();
            var timer = context.CreateTimer(context.CurrentUtcDateTime + TimeSpan.FromSeconds(Math.Min(30, 0.5 * Math.Pow(2, round))), wait.Token);
            if (await Task.WhenAny(timer, cancel) == cancel)
            {
                wait.Cancel();
                return null;
            }

            states = await context.CallActivityAsync<IReadOnlyList<TaskIndexEntry?>>(
                nameof(TaskIndexActivities.WatchDependencies), new WatchRequest(context.InstanceId, dependencies), OrchestrationDefaults.BookkeepingRetry);
        }

        var waits = new List<Task<TaskIndexEntry?>>();
        for (var i = 0; i < dependencies.Count; i++)
        {
            if (states[i] is { IsTerminal: true } finished)
            {
                if (finished.Status != WorkflowTaskStatus.Completed)
                {
                    return finished;
                }
            }
            else
            {
                waits.Add(context.WaitForExternalEvent<TaskIndexEntry?>(TaskIndexActivities.DependencyEventName(dependencies[i].TaskId)));
            }
        }

        while (waits.Count > 0)
        {
            var done = await Task.WhenAny([.. waits, cancel]);
            if (done == cancel)
            {
                return null;
            }

            var finished = await (Task<TaskIndexEntry?>)done;
            waits.Remove((Task<TaskIndexEntry?>)done);
            if (finished is not { Status: WorkflowTaskStatus.Completed })
            {
                return finished;
            }
        }

        return null;
    }

    /// <summary>Records a task's final state (index, journal) and starts its completion callback; returns that state.</summary>
    internal static async Task<TaskIndexEntry> Finish(
        TaskOrchestrationContext context, TaskEventLog log, TaskIndexEntry entry, WorkflowTaskStatus status, JsonElement? result, string? error, int attempts, TaskOutcome? outcome = null)
    {
        log.AddRange(outcome?.Events);
        log.Add(TaskEventLog.KindOf(status), context.UtcNow(), attempts, status == WorkflowTaskStatus.Completed ? null : error, outcome?.Finished);
        var final = entry with
        {
            Status = status,
            Result = result?.GetRawText(),
            Error = error,
            Attempts = attempts,
            WorkerId = Workers.ExternalTaskRunner.WorkerOf(outcome?.Events) ?? entry.WorkerId,
            StartedAt = entry.StartedAt ?? Workers.ExternalTaskRunner.StartOf(outcome?.Events),
            CompletedAt = context.UtcNow(),
            FinishSequence = entry.StartSequence + 1,
            Version = 3,
            Hlc = log.Last?.ToString(), // the final event's stamp: the completion callback carries it
        };
        await Index(context, final, log);
        await Callbacks.CallbackStarter.ForTaskAsync(context, final); // never changes the result
        return final;
    }

    /// <summary>Sends a task's state and its pending events to the index; merges the host's stamp into the log's clock.</summary>
    internal static async Task Index(TaskOrchestrationContext context, TaskIndexEntry entry, TaskEventLog log)
    {
        var events = log.Take();
        // The submission's task_* subscriptions (its completion goes out from Finish, after the final state).
        var result = entry.Result is null ? (JsonElement?)null : JsonSerializer.Deserialize<JsonElement>(entry.Result);
        var callbacks = TaskEventCallbacks.For(context.InstanceId, events, context.GetInput<TaskSpec>()?.Callback, _ => new TaskCallbackState(null, result));
        var receipt = await context.CallActivityAsync<TaskIndexReceipt>(
            nameof(TaskIndexActivities.IndexTasks), new TaskIndexBatch([entry with { Hlc = log.Last?.ToString() }], events, callbacks), OrchestrationDefaults.BookkeepingRetry);
        log.Clock.Receive(receipt.Hlc, context.UtcNow());
    }
}
