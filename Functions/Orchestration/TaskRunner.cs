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
/// (a durable timer), with exponential backoff and deterministic jitter between attempts (the task's own
/// <c>retry</c>, else the service default); an attempt that fails with a
/// <see cref="NonRetryableTaskException"/> (e.g. a declined card) ends the task at once. Task types
/// that only wait (<c>delay</c>, <c>approval</c>) run as durable timers and events, not activities.
/// </summary>
/// <remarks>
/// A cancelled run cancels the durable timers it still waits on (a delay, an approval's timeout, a back-off): an
/// orchestration with an open timer does not complete until the timer fires, so an uncancelled seven-day approval
/// window would keep a cancelled workflow running for days. An activity already running cannot be cancelled; the
/// orchestration completes once it returns.
/// </remarks>
public static class TaskRunner
{
    /// <summary>Runs the task to its final outcome; never throws for task failures.</summary>
    /// <param name="context">The orchestration running it.</param>
    /// <param name="workflowId">The workflow it belongs to (part of its idempotency key and jitter seed).</param>
    /// <param name="task">The task.</param>
    /// <param name="clock">The orchestration's clock: when given, attempts carry its stamp and the outcome carries
    /// the attempts' events (started, retried) and the last stamp.</param>
    /// <param name="cancellation">Cancels the run (the workflow was cancelled): its timers are cancelled, no attempt follows.</param>
    public static Task<TaskOutcome> RunAsync(TaskOrchestrationContext context, string workflowId, TaskSpec task, OrchestrationClock? clock = null, CancellationToken cancellation = default) =>
        RunCoreAsync(context, workflowId, task, clock, null, 1, null, cancellation);

    /// <summary>
    /// Runs a task again after an earlier run failed (a redrive or a workflow rerun): a fresh attempt budget
    /// (<c>max_retries</c> retries, back-off from its first step), attempts numbered on from <paramref name="firstAttempt"/>
    /// so their idempotency keys and events never repeat the earlier run's; the outcome's attempt count is the last attempt's number.
    /// </summary>
    /// <param name="context">The orchestration running it.</param>
    /// <param name="workflowId">The workflow it belongs to.</param>
    /// <param name="task">The task.</param>
    /// <param name="clock">The orchestration's clock.</param>
    /// <param name="firstAttempt">The number of this run's first attempt (the earlier runs' attempts plus one).</param>
    /// <param name="cancellation">Cancels the run, as for <see cref="RunAsync"/>.</param>
    public static Task<TaskOutcome> RunAgainAsync(
        TaskOrchestrationContext context, string workflowId, TaskSpec task, OrchestrationClock clock, int firstAttempt, CancellationToken cancellation = default) =>
        RunCoreAsync(context, workflowId, task, clock, null, Math.Max(1, firstAttempt), null, cancellation);

    /// <summary>
    /// As <see cref="RunAgainAsync(TaskOrchestrationContext, string, TaskSpec, OrchestrationClock, int, CancellationToken)"/>,
    /// the first attempt carrying a task-index batch (<see cref="IndexCarry"/>; the task must be one that <see cref="IndexCarry.CanCarry"/>).
    /// </summary>
    /// <param name="context">The orchestration running it.</param>
    /// <param name="workflowId">The workflow it belongs to.</param>
    /// <param name="task">The task.</param>
    /// <param name="clock">The orchestration's clock.</param>
    /// <param name="firstAttempt">The number of this run's first attempt.</param>
    /// <param name="carry">The batch its first attempt's activity applies; told the receipt when that attempt returns.</param>
    /// <param name="cancellation">Cancels the run.</param>
    public static Task<TaskOutcome> RunAgainAsync(
        TaskOrchestrationContext context, string workflowId, TaskSpec task, OrchestrationClock clock, int firstAttempt, IndexCarry? carry, CancellationToken cancellation) =>
        RunCoreAsync(context, workflowId, task, clock, null, Math.Max(1, firstAttempt), carry, cancellation);

    /// <summary>
    /// Goes on with a task whose first attempt ran elsewhere and failed (in a <see cref="TaskGroupActivity"/>): the
    /// same retries, back-off and events as if <see cref="RunAsync"/> had made that attempt.
    /// </summary>
    /// <param name="context">The orchestration running it.</param>
    /// <param name="workflowId">The workflow it belongs to.</param>
    /// <param name="task">The task.</param>
    /// <param name="clock">The orchestration's clock.</param>
    /// <param name="firstAttemptError">Why the first attempt failed.</param>
    /// <param name="cancellation">Cancels the run, as for <see cref="RunAsync"/>.</param>
    public static Task<TaskOutcome> RetryAfterFirstAttemptAsync(
        TaskOrchestrationContext context, string workflowId, TaskSpec task, OrchestrationClock clock, string firstAttemptError, CancellationToken cancellation = default) =>
        RunCoreAsync(context, workflowId, task, clock, firstAttemptError, 1, null, cancellation);

    private static async Task<TaskOutcome> RunCoreAsync(
        TaskOrchestrationContext context, string workflowId, TaskSpec task, OrchestrationClock? clock, string? firstAttemptError, int firstAttempt, IndexCarry? carry, CancellationToken cancellation)
    {
        try
        {
            return await RunAttemptsAsync(context, workflowId, task, clock, firstAttemptError, firstAttempt, carry, cancellation);
        }
        finally
        {
            // However the run went, the orchestrator hears whether its batch was written (null: send it again).
            carry?.Returned(null);
        }
    }

    private static async Task<TaskOutcome> RunAttemptsAsync(
        TaskOrchestrationContext context, string workflowId, TaskSpec task, OrchestrationClock? clock, string? firstAttemptError, int firstAttempt, IndexCarry? carry, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(task);
        var backoff = RetryBackoff.Of(task.Retry);
        var maxRetries = task.MaxRetries ?? 0;
        var seed = RetryBackoff.CreateSeed(workflowId, task.TaskId!);
        var events = new List<TaskEvent>();
        // cache: a fresh result of the same type and payload completes the task without an attempt.
        var cached = firstAttemptError is null ? await Caching.TaskResultCache.LookupAsync(context, workflowId, task) : null;
        if (cached is { Hit: true })
        {
            return Caching.TaskResultCache.Served(context, workflowId, task, cached, clock, events);
        }

        for (var attempt = firstAttempt; ; attempt++)
        {
            // The retry budget and back-off count this run's attempts; the attempt number goes on across runs.
            var tried = attempt - firstAttempt + 1;
            string error;
            if (attempt == 1 && firstAttemptError is not null)
            {
                error = firstAttemptError;
            }
            else
            {
                try
                {
                    // Only the run's first attempt carries the batch; a retry has nothing left to write.
                    var carried = tried == 1 ? carry : null;
                    var result = await Pools.PooledAttempt.RunAsync(
                        context, task, attempt, () => RunAttemptAsync(context, workflowId, task, attempt, clock, events, carried, cancellation), cancellation);
                    await Caching.TaskResultCache.StoreAsync(context, task, cached, result);
                    return new TaskOutcome(true, result, null, attempt, events, clock?.Current);
                }
                catch (TaskFailedException failed) when (failed.FailureDetails.IsCausedBy<NonRetryableTaskException>())
                {
                    return new TaskOutcome(false, null, failed.FailureDetails.ErrorMessage, attempt, events, clock?.Current); // the activity said retrying cannot help
                }
                catch (TaskFailedException failed)
                {
                    error = failed.FailureDetails.ErrorMessage;
                }
                catch (Workers.ExternalTaskFailedException failed) when (!failed.Retryable)
                {
                    return new TaskOutcome(false, null, failed.Message, attempt, events, clock?.Current); // the worker said retrying cannot help
                }
                catch (Workers.ExternalTaskFailedException failed)
                {
                    error = failed.Message;
                }
                catch (TimeoutException timeout)
                {
                    error = timeout.Message;
                }
                catch (TaskCanceledException cancelled)
                {
                    error = cancelled.Message;
                }
            }

            if (cancellation.IsCancellationRequested)
            {
                return new TaskOutcome(false, null, Cancelled, attempt, events, clock?.Current);
            }

            if (!RetryBackoff.ShouldRetry(tried, maxRetries))
            {
                return new TaskOutcome(false, null, error, attempt, events, clock?.Current);
            }

            if (clock is not null)
            {
                events.Add(clock.Stamp(workflowId, task.TaskId, TaskEventKind.Retried, context.UtcNow(), attempt, error));
            }

            try
            {
                await context.CreateTimer(context.CurrentUtcDateTime + backoff.GetDelay(tried, seed), cancellation);
            }
            catch (TaskCanceledException) when (cancellation.IsCancellationRequested)
            {
                return new TaskOutcome(false, null, Cancelled, attempt, events, clock?.Current);
            }
        }
    }

    /// <summary>The error of a run cancelled with its workflow.</summary>
    public const string Cancelled = "cancelled";

    private static async Task<JsonElement?> RunAttemptAsync(
        TaskOrchestrationContext context, string workflowId, TaskSpec task, int attempt, OrchestrationClock? clock, List<TaskEvent> events, IndexCarry? carry, CancellationToken cancellation)
    {
        var type = task.TaskType.ToLowerInvariant();
        if (carry is not null && !IndexCarry.CanCarry(task))
        {
            carry.Returned(null); // not an activity that applies batches: the orchestrator writes it itself
            carry = null;
        }

        if (type is TaskTypes.Delay or TaskTypes.Approval)
        {
            // Runs here: the orchestration itself is the worker that starts it.
            if (clock is not null)
            {
                events.Add(clock.Stamp(workflowId, task.TaskId, TaskEventKind.Started, context.UtcNow(), attempt));
            }

            if (type == TaskTypes.Approval)
            {
                return await ApprovalAsync(context, task, cancellation);
            }

            // The delay races the task's timeout like any attempt; whichever loses has its timer cancelled, since an
            // open timer keeps the orchestration from completing.
            using var delayCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            try
            {
                return await WithTimeout(context, DelayAsync(context, task, delayCancellation.Token), task.Timeout, cancellation);
            }
            finally
            {
                delayCancellation.Cancel();
            }
        }

        if (TaskTypes.IsExternal(task.TaskType))
        {
            // Not built in: queued for an external worker that offers the type; its timeout is the wait's durable timer.
            return await Workers.ExternalTaskRunner.RunAttemptAsync(context, workflowId, task, attempt, clock, events, cancellation);
        }

        var sent = clock?.Next(context.UtcNow());
        TaskActivityResult? done = null;
        try
        {
            done = await WithTimeout(
                context,
                context.CallActivityAsync<TaskActivityResult>(
                    TaskTypes.ActivityFor(task.TaskType),
                    new TaskInvocation(workflowId, task.TaskId!, task.TaskType, task.Payload, attempt, sent, carry?.Batch),
                    OrchestrationDefaults.AtPriority(task.Priority)),
                task.Timeout,
                cancellation);
        }
        finally
        {
            // A failed attempt's receipt is unknown (it may have failed before writing): the batch is sent again.
            carry?.Returned(done?.Index);
        }

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

    private static async Task<T> WithTimeout<T>(TaskOrchestrationContext context, Task<T> work, double? timeoutSeconds, CancellationToken cancellation)
    {
        if (timeoutSeconds is not { } seconds || seconds <= 0)
        {
            return await work;
        }

        // Cancelled with the work done or with the run (the activity itself runs on; its result is ignored).
        using var timerCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var timer = context.CreateTimer(context.CurrentUtcDateTime.AddSeconds(seconds), timerCancellation.Token);
        if (await Task.WhenAny(work, timer) == work)
        {
            timerCancellation.Cancel();
            return await work;
        }

        if (cancellation.IsCancellationRequested)
        {
            throw new TaskCanceledException("The run was cancelled.");
        }

        throw new TimeoutException(string.Create(CultureInfo.InvariantCulture, $"timed out after {seconds} s"));
    }

    private static async Task<JsonElement?> DelayAsync(TaskOrchestrationContext context, TaskSpec task, CancellationToken cancellation)
    {
        var seconds = TaskPayload.GetDouble(task.Payload, "seconds") ?? 0;
        await context.CreateTimer(context.CurrentUtcDateTime.AddSeconds(seconds), cancellation);
        return JsonSerializer.SerializeToElement(new { delayed_seconds = seconds });
    }

    private static async Task<JsonElement?> ApprovalAsync(TaskOrchestrationContext context, TaskSpec task, CancellationToken cancellation)
    {
        var timeout = task.Timeout ?? TaskPayload.GetDouble(task.Payload, "timeout_seconds") ?? TimeSpan.FromDays(7).TotalSeconds;
        try
        {
            // The token also cancels the timeout's durable timer, so a cancelled run leaves no timer open.
            return await context.WaitForExternalEvent<JsonElement?>(ApprovalEventName(task.TaskId!), TimeSpan.FromSeconds(timeout), cancellation);
        }
        catch (TaskCanceledException) when (!cancellation.IsCancellationRequested)
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
