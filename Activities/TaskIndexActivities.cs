using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using ServerlessTasks.Activities.Callbacks;
using ServerlessTasks.Activities.Events;
using ServerlessTasks.TaskIndex;

namespace ServerlessTasks.Activities;

/// <summary>A dependency a single task waits for, and what became of it.</summary>
/// <param name="WorkflowId">The dependency's orchestration.</param>
/// <param name="TaskId">The dependency's task id.</param>
public sealed record DependencyRef(string WorkflowId, string TaskId);

/// <summary>A request to watch dependencies.</summary>
/// <param name="WaiterInstanceId">The orchestration to notify.</param>
/// <param name="Dependencies">What it waits for.</param>
public sealed record WatchRequest(string WaiterInstanceId, IReadOnlyList<DependencyRef> Dependencies);

/// <summary>
/// The activities through which orchestrations keep the task index in step (orchestrators do no I/O),
/// and through which finished tasks wake the tasks of later submissions that wait for them.
/// </summary>
public sealed class TaskIndexActivities(
    ITaskIndex index,
    TaskEventSink sink,
    CallbackDeliveries callbacks,
    ILogger<TaskIndexActivities> logger)
{
    /// <summary>Most task-event callbacks one batch starts itself; more go to a <see cref="Functions.Callbacks.CallbackFanOutOrchestrator"/>.</summary>
    public const int DirectCallbackStarts = 16;

    /// <summary>
    /// Applies a batch of task updates and appends its events (merging their stamps into the host clock, whose
    /// high-water mark is stored with them); tells waiting tasks about dependencies that finished; starts the
    /// task-event callbacks the batch carries (durable deliveries: a failure to start fails the batch, which the
    /// orchestration sends again); then hands the events to the handlers. Returns the host's stamp for the
    /// orchestration to merge.
    /// </summary>
    [Function(nameof(IndexTasks))]
    public Task<TaskIndexReceipt> IndexTasks(
        [ActivityTrigger] TaskIndexBatch batch,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellation) => ApplyAsync(batch, client, cancellation);

    /// <summary>
    /// What <see cref="IndexTasks"/> does, for an activity that applies a batch its invocation carries (the workflow
    /// orchestrator hands a batch to a task it starts instead of a separate <see cref="IndexTasks"/> call).
    /// </summary>
    /// <param name="batch">The batch.</param>
    /// <param name="client">The Durable client that wakes waiters and starts callbacks.</param>
    /// <param name="cancellation">Cancels the writes.</param>
    public async Task<TaskIndexReceipt> ApplyAsync(TaskIndexBatch batch, DurableTaskClient client, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(client);
        var updates = batch.Tasks ?? [];
        var events = batch.Events ?? [];
        // A task served from the cache is marked so in the index by its task_cached event, which comes with its completion.
        if (events.Any(e => e.Kind == TaskEventKind.TaskCached))
        {
            var cached = events.Where(e => e.Kind == TaskEventKind.TaskCached).Select(e => (e.WorkflowId, e.TaskId)).ToHashSet();
            updates = [.. updates.Select(u => u.Status == Domain.Model.WorkflowTaskStatus.Completed && cached.Contains((u.WorkflowId, u.TaskId)) ? u with { Cached = true } : u)];
        }

        var stamp = await sink.AppendAsync(events, cancellation);

        var waiters = await index.ApplyAsync(updates, cancellation);
        foreach (var waiter in waiters)
        {
            var finished = await index.GetAsync(waiter.DependencyWorkflowId, waiter.DependencyTaskId, cancellation);
            try
            {
                await client.RaiseEventAsync(waiter.WaiterInstanceId, DependencyEventName(waiter.DependencyTaskId), finished, cancellation);
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
            {
                // The waiter is gone (purged) or finished: nobody to wake.
                logger.LogDebug(ex, "Waiter {Waiter} of {Task} could not be told.", waiter.WaiterInstanceId, waiter.DependencyTaskId);
            }
        }

        if (batch.Callbacks is { Count: > 0 } notices)
        {
            // A few are started here; a large batch goes to a fan-out orchestration, so the workflow does not wait for it.
            await (notices.Count <= DirectCallbackStarts
                ? callbacks.StartManyAsync(notices, client, cancellation)
                : CallbackDeliveries.StartFanOutAsync(client, notices, cancellation));
        }

        await sink.NotifyAsync(events, cancellation);
        return new TaskIndexReceipt(updates.Count, stamp);
    }

    /// <summary>
    /// Registers a task as waiting for its dependencies and returns their current states, atomically, so a
    /// dependency that finishes meanwhile is either seen finished here or wakes the waiter later.
    /// </summary>
    [Function(nameof(WatchDependencies))]
    public async Task<IReadOnlyList<TaskIndexEntry?>> WatchDependencies([ActivityTrigger] WatchRequest request, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(request);
        return await index.WatchAsync([.. request.Dependencies.Select(d => (d.WorkflowId, d.TaskId))], request.WaiterInstanceId, cancellation);
    }

    /// <summary>The event that tells a waiting task that a dependency finished.</summary>
    public static string DependencyEventName(string taskId) => $"dependency:{taskId}";
}
