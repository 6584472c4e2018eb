using Grpc.Core;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using ServerlessTasks.Activities.Workers;
using ServerlessTasks.TaskIndex;

namespace ServerlessTasks.Functions.Workers;

/// <summary>
/// Delivers a finished lease's outcome to its orchestration (the durable event it waits for), then marks the row
/// delivered. The store's finish is the commit; a delivery that fails here is made again by the proctor, and the
/// orchestration takes the first event of the name, so a second delivery changes nothing.
/// </summary>
public sealed partial class OutcomeDelivery(WorkQueue queue, ILogger<OutcomeDelivery> logger)
{
    /// <summary>Raises the outcome event of a finished row; true when it was delivered (or nobody waits any more).</summary>
    public async Task<bool> DeliverAsync(DurableTaskClient client, ExternalTaskRecord task, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(task);
        var outcome = WorkQueue.OutcomeOf(task);
        try
        {
            await client.RaiseEventAsync(task.InstanceId, WorkQueue.OutcomeEventName(task.TaskId, task.RunAttempt), outcome, cancellation);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException || ex is RpcException { StatusCode: StatusCode.NotFound or StatusCode.FailedPrecondition })
        {
            LogGone(logger, task.InstanceId, task.TaskId, ex.Message); // finished or purged: nobody to tell
        }
        catch (Exception ex) when (ex is RpcException or HttpRequestException or TimeoutException)
        {
            LogDeferred(logger, task.InstanceId, task.TaskId, ex.Message);
            return false;
        }

        await queue.Store.MarkDeliveredAsync(task.WorkflowId, task.TaskId, task.RunAttempt, queue.Now, cancellation);
        return true;
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Outcome of task {TaskId} has no orchestration {InstanceId} to go to: {Reason}")]
    private static partial void LogGone(ILogger logger, string instanceId, string taskId, string reason);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Outcome of task {TaskId} for {InstanceId} not delivered yet (the proctor retries): {Reason}")]
    private static partial void LogDeferred(ILogger logger, string instanceId, string taskId, string reason);
}
