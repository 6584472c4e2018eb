using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using ServerlessTasks.Activities.Callbacks;

namespace ServerlessTasks.Functions.Callbacks;

/// <summary>
/// Records and starts many callback deliveries (a large batch of task events) on behalf of the index activity,
/// so a workflow never waits for them: chunks of <see cref="ChunkSize"/> run as parallel activities, each one
/// store write plus a few concurrent instance creates; everything is idempotent by delivery id. A chunk the
/// stores keep refusing is tried again every <see cref="RetryPause"/> until it goes through: nothing is dropped.
/// </summary>
public static class CallbackFanOutOrchestrator
{
    /// <summary>Deliveries per activity.</summary>
    public const int ChunkSize = 250;

    /// <summary>The pause before a chunk is tried again after its quick retries failed.</summary>
    public static readonly TimeSpan RetryPause = TimeSpan.FromMinutes(5);

    private static readonly TaskOptions StartRetry = TaskOptions.FromRetryPolicy(
        new RetryPolicy(maxNumberOfAttempts: 10, firstRetryInterval: TimeSpan.FromSeconds(1), backoffCoefficient: 2, maxRetryInterval: TimeSpan.FromMinutes(5)));

    /// <summary>The orchestrator function; returns how many deliveries started.</summary>
    [Function(nameof(CallbackFanOutOrchestrator))]
    public static async Task<int> RunAsync([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var notices = context.GetInput<IReadOnlyList<CallbackNotice>>() ?? [];
        var chunks = notices.Chunk(ChunkSize).Select(chunk => StartChunkAsync(context, chunk)).ToList();
        return (await Task.WhenAll(chunks)).Sum();
    }

    /// <summary>
    /// Starts one chunk; when the stores refuse even after the quick retries, waits <see cref="RetryPause"/> and tries
    /// again, for as long as it takes: the index batch that handed these callbacks over has already succeeded, so
    /// nobody else would start them.
    /// </summary>
    private static async Task<int> StartChunkAsync(TaskOrchestrationContext context, CallbackNotice[] chunk)
    {
        while (true)
        {
            try
            {
                return await context.CallActivityAsync<int>(nameof(CallbackActivities.StartCallbackDeliveries), chunk, StartRetry);
            }
            catch (TaskFailedException)
            {
                await context.CreateTimer(context.CurrentUtcDateTime + RetryPause, CancellationToken.None);
            }
        }
    }
}
