using Microsoft.Azure.Functions.Worker;

namespace ServerlessTasks.Activities.Workers;

/// <summary>The activities through which orchestrations queue tasks for external workers and take them back.</summary>
public sealed class ExternalTaskActivities(WorkQueue queue)
{
    /// <summary>Queues one run attempt of a task for a worker that offers its type (idempotent: a redelivery changes nothing).</summary>
    [Function(nameof(EnqueueExternalTask))]
    public async Task<bool> EnqueueExternalTask([ActivityTrigger] ExternalTaskRequest request, CancellationToken cancellation) =>
        await queue.EnqueueAsync(request, cancellation);

    /// <summary>Takes a run attempt out of the queue (it timed out or was cancelled): its lease token stops working.</summary>
    [Function(nameof(WithdrawExternalTask))]
    public async Task<bool> WithdrawExternalTask([ActivityTrigger] ExternalTaskRef task, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(task);
        return await queue.Store.WithdrawAsync(task.WorkflowId, task.TaskId, task.RunAttempt, queue.Now, cancellation);
    }
}
