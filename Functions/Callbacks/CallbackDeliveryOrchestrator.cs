using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using ServerlessTasks.Activities.Callbacks;
using ServerlessTasks.Domain.Scheduling;
using ServerlessTasks.Functions.Orchestration;

namespace ServerlessTasks.Functions.Callbacks;

/// <summary>
/// Delivers one callback as its own durable process: an attempt is an activity (fresh timestamp and signature,
/// same <c>webhook-id</c>), retryable failures wait on a durable timer for the back-off (exponential, jitter
/// seeded by the delivery id, never shorter than <c>Retry-After</c>), and after the last attempt or a
/// non-retryable answer the delivery goes to the dead-letter queue. A crash between the send and the record
/// replays the attempt, so the receiver may see the same <c>webhook-id</c> twice and must de-duplicate on it.
/// The attempt that delivers journals a <c>callback_delivered</c> event of its task (or workflow), stamped after the
/// event it reported.
/// </summary>
/// <remarks>Deterministic: time from <see cref="TaskOrchestrationContext.CurrentUtcDateTime"/>, all I/O in activities.</remarks>
public static class CallbackDeliveryOrchestrator
{
    /// <summary>The orchestrator function; returns the final outcome.</summary>
    [Function(nameof(CallbackDeliveryOrchestrator))]
    public static async Task<CallbackAttemptOutcome> RunAsync([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var delivery = context.GetInput<CallbackDelivery>() ?? throw new InvalidOperationException("The callback orchestrator needs a delivery as input.");
        var backoff = new RetryBackoff
        {
            InitialDelay = TimeSpan.FromSeconds(delivery.InitialDelaySeconds),
            MaxDelay = TimeSpan.FromSeconds(delivery.MaxDelaySeconds),
        };
        var seed = RetryBackoff.CreateSeed(delivery.DeliveryId, context.InstanceId);
        for (var attempt = 1; ; attempt++)
        {
            CallbackAttemptResult result;
            try
            {
                result = await context.CallActivityAsync<CallbackAttemptResult>(nameof(CallbackActivities.SendCallback), new CallbackAttempt(delivery, attempt), OrchestrationDefaults.CallbackRetry);
            }
            catch (TaskFailedException failed)
            {
                result = new CallbackAttemptResult(CallbackAttemptOutcome.Retryable, null, failed.FailureDetails.ErrorMessage, null);
            }

            if (result.Outcome is CallbackAttemptOutcome.Delivered or CallbackAttemptOutcome.Disabled)
            {
                return result.Outcome;
            }

            if (result.Outcome == CallbackAttemptOutcome.Rejected || attempt >= delivery.MaxAttempts)
            {
                await context.CallActivityAsync<bool>(nameof(CallbackActivities.DeadLetterCallback), new CallbackAttempt(delivery, attempt), OrchestrationDefaults.CallbackRetry);
                return CallbackAttemptOutcome.Rejected;
            }

            var retryAfter = result.RetryAfterSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : (TimeSpan?)null;
            var delay = backoff.GetDelay(attempt, seed, retryAfter);
            await context.CreateTimer(context.CurrentUtcDateTime + delay, CancellationToken.None);
        }
    }
}
