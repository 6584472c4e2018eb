using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using ServerlessTasks.Activities.Callbacks;

namespace ServerlessTasks.Functions.Callbacks;

/// <summary>
/// Records and starts many callback deliveries (a large batch of task events) on behalf of the index activity,
/// so a workflow never waits for them: chunks of <see cref="ChunkSize"/> run as parallel activities, each one
/// store write plus a few concurrent instance creates; everything is idempotent by delivery id. A chunk the
/// stores keep refusing is tried again every <see cref="RetryPause"/> until it goes through: nothing is dropped.
/// After <see cref="RoundsPerGeneration"/> refused rounds the instance continues as new with only the chunks still
/// refused, so a long outage of the stores costs a bounded history, not one that grows for as long as it lasts.
/// </summary>
public static class CallbackFanOutOrchestrator
{
    /// <summary>Deliveries per activity.</summary>
    public const int ChunkSize = 250;

    /// <summary>Refused rounds (quick retries, then a <see cref="RetryPause"/>) a chunk gets before the instance continues as new.</summary>
    public const int RoundsPerGeneration = 12;

    /// <summary>The pause before a chunk is tried again after its quick retries failed.</summary>
    public static readonly TimeSpan RetryPause = TimeSpan.FromMinutes(5);

    private static readonly TaskOptions StartRetry = TaskOptions.FromRetryPolicy(
        new RetryPolicy(maxNumberOfAttempts: 10, firstRetryInterval: TimeSpan.FromSeconds(1), backoffCoefficient: 2, maxRetryInterval: TimeSpan.FromMinutes(5)));

    /// <summary>The orchestrator function; returns how many deliveries started, over every generation.</summary>
    [Function(nameof(CallbackFanOutOrchestrator))]
    public static async Task<int> RunAsync([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var input = context.GetInput<CallbackFanOutInput>() ?? new CallbackFanOutInput([], 0);
        var chunks = input.Notices.Chunk(ChunkSize).Select(chunk => StartChunkAsync(context, chunk)).ToList();
        var outcomes = await Task.WhenAll(chunks);

        var started = input.StartedBefore + outcomes.Sum(outcome => outcome.Started);
        var refused = outcomes.Where(outcome => outcome.Refused is not null).SelectMany(outcome => outcome.Refused!).ToList();
        if (refused.Count > 0)
        {
            context.ContinueAsNew(new CallbackFanOutInput(refused, started), preserveUnprocessedEvents: false);
        }

        return started;
    }

    /// <summary>
    /// Starts one chunk; when the stores refuse even after the quick retries, waits <see cref="RetryPause"/> and tries
    /// again, up to <see cref="RoundsPerGeneration"/> times, then hands the chunk back for the next generation: the
    /// index batch that handed these callbacks over has already succeeded, so nobody else would start them.
    /// </summary>
    private static async Task<ChunkOutcome> StartChunkAsync(TaskOrchestrationContext context, CallbackNotice[] chunk)
    {
        for (var round = 1; round <= RoundsPerGeneration; round++)
        {
            try
            {
                return new ChunkOutcome(await context.CallActivityAsync<int>(nameof(CallbackActivities.StartCallbackDeliveries), chunk, StartRetry), null);
            }
            catch (TaskFailedException)
            {
                await context.CreateTimer(context.CurrentUtcDateTime + RetryPause, CancellationToken.None);
            }
        }

        return new ChunkOutcome(0, chunk);
    }

    private sealed record ChunkOutcome(int Started, CallbackNotice[]? Refused);
}
