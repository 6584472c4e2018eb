using Microsoft.DurableTask;

namespace ServerlessTasks.Functions.Orchestration;

/// <summary>Small helpers every orchestrator of the app shares.</summary>
public static class OrchestrationDefaults
{
    /// <summary>
    /// Retries for bookkeeping activities (task index, journal, callback start): their store may be briefly
    /// unavailable, and they are idempotent, so they retry for about five minutes before giving up.
    /// </summary>
    public static TaskOptions BookkeepingRetry { get; } = TaskOptions.FromRetryPolicy(
        new RetryPolicy(maxNumberOfAttempts: 10, firstRetryInterval: TimeSpan.FromSeconds(1), backoffCoefficient: 2, maxRetryInterval: TimeSpan.FromSeconds(30)));

    /// <summary>
    /// Retries for callback bookkeeping (starting a delivery, a delivery's attempts and dead-lettering): shorter than
    /// <see cref="BookkeepingRetry"/>, since a callback never changes a run's result and a delivery retries on its own.
    /// </summary>
    public static TaskOptions CallbackRetry { get; } = TaskOptions.FromRetryPolicy(
        new RetryPolicy(maxNumberOfAttempts: 5, firstRetryInterval: TimeSpan.FromSeconds(1), backoffCoefficient: 2, maxRetryInterval: TimeSpan.FromSeconds(30)));

    /// <summary>The replay-safe current time as a UTC <see cref="DateTimeOffset"/>.</summary>
    public static DateTimeOffset UtcNow(this TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new(DateTime.SpecifyKind(context.CurrentUtcDateTime, DateTimeKind.Utc));
    }
}
