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

    /// <summary>
    /// The orchestration and activity tag that carries a priority (1-10) to the task hub's dispatch: our local host's
    /// SQLite backend hands out ready work by it (with aging); backends without priorities ignore it.
    /// </summary>
    public const string PriorityTag = "priority";

    private static readonly TaskOptions[] PriorityOptions = [.. Enumerable.Range(0, Domain.Validation.PriorityRange.Max + 1).Select(static p => new TaskOptions { Tags = PriorityTags(p) })];

    /// <summary>The tags naming <paramref name="priority"/> (for a start's <see cref="StartOrchestrationOptions.Tags"/>).</summary>
    public static Dictionary<string, string> PriorityTags(int priority) =>
        new(StringComparer.Ordinal) { [PriorityTag] = priority.ToString(System.Globalization.CultureInfo.InvariantCulture) };

    /// <summary>Options for an activity call that runs at <paramref name="priority"/> (shared instances: do not change them).</summary>
    public static TaskOptions AtPriority(int priority) =>
        PriorityOptions[Math.Clamp(priority, 0, PriorityOptions.Length - 1)];

    /// <summary>The replay-safe current time as a UTC <see cref="DateTimeOffset"/>.</summary>
    public static DateTimeOffset UtcNow(this TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new(DateTime.SpecifyKind(context.CurrentUtcDateTime, DateTimeKind.Utc));
    }
}
