using System.Globalization;
using System.Text.Json;
using Microsoft.DurableTask;
using ServerlessTasks.Activities.Workers;
using ServerlessTasks.Domain.Model;
using ServerlessTasks.Domain.Workers;
using ServerlessTasks.Functions.Orchestration;
using ServerlessTasks.TaskIndex;

namespace ServerlessTasks.Functions.Workers;

/// <summary>
/// One attempt of a task that runs on an external worker, inside its orchestration: queue it (an activity), then wait
/// for the durable event carrying its outcome, which the lease's completion (the lease token is the async completion
/// token) or the proctor raises. The task's timeout is the wait's durable timer, cancelled when the outcome comes; on
/// a timeout or a cancel the queued task is withdrawn, so no worker can lease or complete it afterwards.
/// </summary>
public static class ExternalTaskRunner
{
    private const string WorkerPrefix = "worker:";

    /// <summary>Runs one attempt; throws <see cref="ExternalTaskFailedException"/>, <see cref="TimeoutException"/> or <see cref="TaskCanceledException"/> when it did not complete.</summary>
    /// <param name="context">The orchestration (the outcome event is raised to it).</param>
    /// <param name="workflowId">The workflow the task belongs to.</param>
    /// <param name="task">The task.</param>
    /// <param name="attempt">The orchestration's attempt number.</param>
    /// <param name="clock">The orchestration's clock, if it stamps events.</param>
    /// <param name="events">Where the attempt's started event goes.</param>
    /// <param name="cancellation">Cancels the wait (the run was cancelled).</param>
    public static async Task<JsonElement?> RunAttemptAsync(
        TaskOrchestrationContext context, string workflowId, TaskSpec task, int attempt, OrchestrationClock? clock, List<TaskEvent> events, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(events);
        await context.CallActivityAsync<bool>(
            nameof(ExternalTaskActivities.EnqueueExternalTask),
            new ExternalTaskRequest(workflowId, task.TaskId!, context.InstanceId, attempt, task.TaskType, task.Payload, task.Priority, task.Deadline),
            OrchestrationDefaults.BookkeepingRetry);

        var name = WorkQueue.OutcomeEventName(task.TaskId!, attempt);
        ExternalTaskOutcome outcome;
        try
        {
            outcome = task.Timeout is { } seconds && seconds > 0
                ? await context.WaitForExternalEvent<ExternalTaskOutcome>(name, TimeSpan.FromSeconds(seconds), cancellation)
                : await context.WaitForExternalEvent<ExternalTaskOutcome>(name, cancellation);
        }
        catch (TaskCanceledException)
        {
            // Timed out or cancelled: take it back, so a late completion is refused and nobody leases it any more.
            await context.CallActivityAsync<bool>(nameof(ExternalTaskActivities.WithdrawExternalTask), new ExternalTaskRef(workflowId, task.TaskId!, attempt), OrchestrationDefaults.BookkeepingRetry);
            if (cancellation.IsCancellationRequested)
            {
                throw new TaskCanceledException("The run was cancelled.");
            }

            throw new TimeoutException(string.Create(CultureInfo.InvariantCulture, $"timed out after {task.Timeout} s"));
        }

        if (clock is not null && outcome.Started is { } started)
        {
            events.Add(new TaskEvent
            {
                WorkflowId = workflowId,
                TaskId = task.TaskId,
                Kind = TaskEventKind.Started,
                Hlc = started,
                At = outcome.LeasedAt ?? started.PhysicalTime,
                Attempt = attempt,
                Detail = outcome.WorkerId is null ? null : WorkerPrefix + outcome.WorkerId,
            });
            clock.Receive(outcome.Finished, context.UtcNow());
        }

        return outcome.Succeeded
            ? outcome.Result
            : throw new ExternalTaskFailedException(outcome.Error ?? "failed", outcome.Retryable);
    }

    /// <summary>The worker that ran the last attempt, from the attempts' events (null for built-in tasks).</summary>
    public static string? WorkerOf(IReadOnlyList<TaskEvent>? events) =>
        events?.LastOrDefault(e => e.Kind == TaskEventKind.Started && e.Detail?.StartsWith(WorkerPrefix, StringComparison.Ordinal) == true)?.Detail![WorkerPrefix.Length..];

    /// <summary>When the last attempt's lease was handed out, from the attempts' events.</summary>
    public static DateTimeOffset? StartOf(IReadOnlyList<TaskEvent>? events) =>
        events?.LastOrDefault(e => e.Kind == TaskEventKind.Started && e.Detail?.StartsWith(WorkerPrefix, StringComparison.Ordinal) == true)?.At;
}
