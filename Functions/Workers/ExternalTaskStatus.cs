using ServerlessTasks.Activities;
using ServerlessTasks.Activities.Workers;
using ServerlessTasks.Domain.Model;
using ServerlessTasks.Domain.Workers;
using ServerlessTasks.Functions.Contracts;

namespace ServerlessTasks.Functions.Workers;

/// <summary>
/// What the worker store adds to a task's view: a task of an external type reads <c>pending</c> with the reason while it
/// waits for a worker, and <c>running</c> with its <c>worker_id</c> while a worker holds its lease. The task index holds
/// what the orchestration recorded; leases change faster than orchestrations write, so the read side joins the two.
/// </summary>
public static class ExternalTaskStatus
{
    /// <summary>The view with the worker store's state of the task laid over it.</summary>
    public static async Task<TaskView> OverlayAsync(WorkQueue queue, TaskView view, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentNullException.ThrowIfNull(view);
        if (!TaskTypes.IsExternal(view.TaskType))
        {
            return view;
        }

        var row = await queue.Store.GetTaskAsync(view.WorkflowId, view.TaskId, cancellation);
        var finished = view.Status is WorkflowTaskStatus.Completed or WorkflowTaskStatus.Failed or WorkflowTaskStatus.Skipped or WorkflowTaskStatus.Cancelled;
        if (finished || row is null)
        {
            return finished && view.WorkerId is null && row?.WorkerId is { } ran ? view with { WorkerId = ran } : view;
        }

        switch (row.State)
        {
            case ExternalTaskState.Waiting:
                var now = queue.Now;
                var live = (await queue.Store.ListWorkersAsync(cancellation))
                    .Any(w => w.StatusAt(now, queue.Settings.DeadAfter) == WorkerStatus.Active && w.Capabilities.Contains(row.TaskType, StringComparer.Ordinal));
                return view with
                {
                    Status = WorkflowTaskStatus.Pending,
                    WorkerId = null,
                    StartedAt = null,
                    PendingReason = live
                        ? $"waiting for a worker offering task_type '{row.TaskType}' (attempt {row.Attempt})"
                        : $"waiting for a worker offering task_type '{row.TaskType}': no live worker offers it",
                };
            case ExternalTaskState.Leased or ExternalTaskState.Finished:
                return view with { Status = WorkflowTaskStatus.Running, WorkerId = row.WorkerId, StartedAt = row.LeasedAt ?? view.StartedAt, PendingReason = null };
            default:
                return view;
        }
    }
}
