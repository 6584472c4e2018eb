using Microsoft.DurableTask;
using ServerlessTasks.Domain.Model;
using ServerlessTasks.Domain.Pools;

namespace ServerlessTasks.Functions.Pools;

/// <summary>
/// One attempt of a task whose type a pool names (<c>Pools:{name}:TaskTypes</c>): the slot is taken before the attempt
/// runs and given back after it however it ended, with the outcome (success, failure or timeout, cancellation), which
/// the pool's AIMD and breaker learn from; a refusal (<see cref="NonRetryableTaskException"/>, or an external worker's
/// non-retryable failure) counts as the dependency answering. Task types no pool names run straight away.
/// </summary>
public static class PooledAttempt
{
    /// <summary>Runs <paramref name="attempt"/> holding a slot of the task type's pool, if it has one.</summary>
    /// <param name="context">The orchestration.</param>
    /// <param name="task">The task.</param>
    /// <param name="number">The attempt number.</param>
    /// <param name="attempt">The attempt itself.</param>
    /// <param name="cancellation">Cancels the wait for a slot (the attempt takes it too).</param>
    public static async Task<T> RunAsync<T>(TaskOrchestrationContext context, TaskSpec task, int number, Func<Task<T>> attempt, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(attempt);
        if (PoolSlots.Catalog.PoolFor(task.TaskType) is not { } pool)
        {
            return await attempt();
        }

        var slot = await PoolSlots.AcquireAsync(context, pool, task.TaskId!, number, task.Priority, task.Deadline, cancellation);
        // Whatever ends the attempt gives the slot back (an external worker's failure too: it held the slot for good
        // before); only the outcome the pool learns from differs.
        var outcome = SlotOutcome.Failed;
        try
        {
            var result = await attempt();
            outcome = SlotOutcome.Succeeded;
            return result;
        }
        catch (TaskFailedException refused) when (refused.FailureDetails.IsCausedBy<NonRetryableTaskException>())
        {
            // A refusal (a declined card) is the dependency answering: it says nothing against its health, so the
            // breaker and AIMD count it as a success, not as a failure.
            outcome = SlotOutcome.Succeeded;
            throw;
        }
        catch (Workers.ExternalTaskFailedException refused) when (!refused.Retryable)
        {
            outcome = SlotOutcome.Succeeded; // the worker answered that retrying cannot help (e.g. invalid input)
            throw;
        }
        catch (OperationCanceledException)
        {
            outcome = SlotOutcome.Abandoned;
            throw;
        }
        finally
        {
            await PoolSlots.ReleaseAsync(context, slot, outcome);
        }
    }
}
