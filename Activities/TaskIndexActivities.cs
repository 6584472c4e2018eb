using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
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
public sealed class TaskIndexActivities(ITaskIndex index, ILogger<TaskIndexActivities> logger)
{
    /// <summary>Applies a batch of task updates; tells waiting tasks about dependencies that finished.</summary>
    [Function(nameof(IndexTasks))]
    public async Task<int> IndexTasks(
        [ActivityTrigger] IReadOnlyList<TaskIndexEntry> updates,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(updates);
        ArgumentNullException.ThrowIfNull(client);
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

        return updates.Count;
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
