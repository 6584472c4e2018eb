using ServerlessTasks.Activities.Events;
using ServerlessTasks.Domain.Model;
using ServerlessTasks.Domain.Orders;
using ServerlessTasks.Functions.Pools;

namespace ServerlessTasks.Functions.Orchestration;

/// <summary>
/// A task-index batch that rides on the first attempt of a task the workflow orchestrator starts in the same episode,
/// instead of its own <c>IndexTasks</c> activity: the activity applies it before the attempt (the batch is in the
/// activity's durable input, so a crash in between loses nothing) and answers its receipt with the result. Saves an
/// activity invocation, and often an episode, per step of a chain. The batch counts as written only when that attempt
/// returned a receipt; otherwise (the attempt failed, or the index was not written) the orchestrator sends the same
/// batch through <c>IndexTasks</c>, which is idempotent (versioned entries, events by identity, callbacks by delivery id).
/// </summary>
/// <param name="batch">The batch to carry.</param>
public sealed class IndexCarry(TaskIndexBatch batch)
{
    private readonly TaskCompletionSource<TaskIndexReceipt?> _receipt = new();

    /// <summary>The batch.</summary>
    public TaskIndexBatch Batch { get; } = batch;

    /// <summary>The receipt once the carrying attempt returned; null when the batch must be sent again.</summary>
    public Task<TaskIndexReceipt?> Receipt => _receipt.Task;

    /// <summary>
    /// Whether <paramref name="task"/> can carry a batch: its activity applies carried batches (the order steps), and its
    /// first attempt is the activity call itself, at once and to its end: no durable timeout that could stop waiting for
    /// it, no result cache in front of it, no pool slot to wait for.
    /// </summary>
    public static bool CanCarry(TaskSpec task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return OrderSteps.Types.AppliesIndexBatches(task.TaskType) && task.Timeout is null && task.Cache is null
            && PoolSlots.Catalog.PoolFor(task.TaskType) is null;
    }

    /// <summary>The carrying attempt returned: <paramref name="receipt"/> when it applied the batch, null when not.</summary>
    internal void Returned(TaskIndexReceipt? receipt) => _receipt.TrySetResult(receipt);
}
