using System.Globalization;
using System.Text.Json;
using Microsoft.DurableTask;
using ServerlessTasks.Activities;
using ServerlessTasks.Activities.Events;
using ServerlessTasks.Domain.Model;
using ServerlessTasks.Domain.Scheduling;
using ServerlessTasks.Functions.Contracts;
using ServerlessTasks.TaskIndex;

namespace ServerlessTasks.Functions.Orchestration;

/// <summary>
/// Runs one task inside the workflow orchestrator: its attempts, each raced against the task's timeout
/// (a durable timer), with exponential backoff and deterministic jitter between attempts. Task types
/// that only wait (<c>delay</c>, <c>approval</c>) run as durable timers and events, not activities.
/// </summary>
public static class TaskRunner
{
    /// <summary>Runs the task to its final outcome; never throws for task failures.</summary>
    /// <param name="context">The orchestration running it.</param>
    /// <param name="workflowId">The workflow it belongs to (part of its idempotency key and jitter seed).</param>
    /// <param name="task">The task.</param>
    /// <param name="backoff">The back-off between attempts.</param>
    /// <param name="clock">The orchestration's clock: when given, attempts carry its stamp and the outcome carries
    /// the attempts' events (started, retried) and the last stamp.</param>
    public static async Task<TaskOutcome> RunAsync(TaskOrchestrationContext context, string workflowId, TaskSpec task, RetryBackoff backoff, OrchestrationClock? clock = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(backoff);
        var maxRetries = task.MaxRetries ?? 0;
        var seed = RetryBackoff.CreateSeed(workflowId, task.TaskId!);
        var events = new List<TaskEvent>();
        for (var attempt = 1; ; attempt++)
        {
            string error;
            try
            {
                var result = await RunAttemptAsync(context, workflowId, task, attempt, clock, events);
                return new TaskOutcome(true, result, null, attempt, events, clock?.Current);
            }
            catch (TaskFailedException failed)
            {
                error = failed.FailureDetails.ErrorMessage;
            }
            catch (TimeoutException timeout)
            {
                error = timeout.Message;
            }
            catch (TaskCanceledException cancelled)
            {
                error = cancelled.Message;
            }

            if (!RetryBackoff.ShouldRetry(attempt, maxRetries))
            {
                return new TaskOutcome(false, null, error, attempt, events, clock?.Current);
            }

            if (clock is not null)
            {
                events.Add(clock.Stamp(workflowId, task.TaskId, TaskEventKind.Retried, context.UtcNow(), attempt, error));
            }

            await context.CreateTimer(context.CurrentUtcDateTime + backoff.GetDelay(attempt, seed), CancellationToken.None);
        }
    }

    private static async Task<JsonElement?> RunAttemptAsync(
        TaskOrchestrationContext context, string workflowId, TaskSpec task, int attempt, OrchestrationClock? clock, List<TaskEvent> events)
    {
        var type = task.TaskType.ToLowerInvariant();
        if (type is TaskTypes.Delay or TaskTypes.Approval)
        {
            // Runs here: the orchestration itself is the worker that starts it.
            if (clock is not null)
            {
                events.Add(clock.Stamp(workflowId, task.TaskId, TaskEventKind.Started, context.UtcNow(), attempt));
            }

            return type == TaskTypes.Delay ? await DelayAsync(context, task) : await ApprovalAsync(context, task);
        }

        var sent = clock?.Next(context.UtcNow());
        var done = await WithTimeout(
            context,
            context.CallActivityAsync<TaskActivityResult>(
                TaskTypes.ActivityFor(task.TaskType),
                new TaskInvocation(workflowId, task.TaskId!, task.TaskType, task.Payload, attempt, sent)),
            task.Timeout);
        if (clock is not null)
        {
            // The worker's start stamp is already after ours (it merged it); merge its finish stamp.
            events.Add(new TaskEvent
            {
                WorkflowId = workflowId,
                TaskId = task.TaskId,
                Kind = TaskEventKind.Started,
                Hlc = done.Started,
                At = done.Started.PhysicalTime,
                Attempt = attempt,
            });
            clock.Receive(done.Finished, context.UtcNow());
        }

        return done.Result;
    }

    private static async Task<T> WithTimeout<T>(TaskOrchestrationContext context, Task<T> work, double? timeoutSeconds)
    {
        if (timeoutSeconds is not { } seconds || seconds <= 0)
        {
            return await work;
        }

        using var timerCancellation = new CancellationTokenSource();
        var timer = context.CreateTimer(context.CurrentUtcDateTime.AddSeconds(seconds), timerCancellation.Token);
        if (await Task.WhenAny(work, timer) == work)
        {
            timerCancellation.Cancel();
            return await work;
        }

        throw new TimeoutException(string.Create(CultureInfo.InvariantCulture, $"timed out after {seconds} s"));
    }

    private static async Task<JsonElement?> DelayAsync(TaskOrchestrationContext context, TaskSpec task)
    {
        var seconds = TaskPayload.GetDouble(task.Payload, "seconds") ?? 0;
        await context.CreateTimer(context.CurrentUtcDateTime.AddSeconds(seconds), CancellationToken.None);
        return JsonSerializer.SerializeToElement(new { delayed_seconds = seconds });
    }

    private static async Task<JsonElement?> ApprovalAsync(TaskOrchestrationContext context, TaskSpec task)
    {
        var timeout = task.Timeout ?? TaskPayload.GetDouble(task.Payload, "timeout_seconds") ?? TimeSpan.FromDays(7).TotalSeconds;
        try
        {
            return await context.WaitForExternalEvent<JsonElement?>(ApprovalEventName(task.TaskId!), TimeSpan.FromSeconds(timeout));
        }
        catch (TaskCanceledException)
        {
            throw new TimeoutException(string.Create(CultureInfo.InvariantCulture, $"no approval within {timeout} s"));
        }
    }

    /// <summary>Whether a task type only waits in the orchestrator (timers, events) rather than running an activity.</summary>
    public static bool RunsInOrchestrator(string taskType) =>
        taskType.Equals(TaskTypes.Delay, StringComparison.OrdinalIgnoreCase) || taskType.Equals(TaskTypes.Approval, StringComparison.OrdinalIgnoreCase);

    /// <summary>The event that approves an <c>approval</c> task.</summary>
    public static string ApprovalEventName(string taskId) => $"approval:{taskId}";
}
