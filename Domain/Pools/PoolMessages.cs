namespace ServerlessTasks.Domain.Pools;

/// <summary>A request for one slot: who holds it (an orchestration and its task attempt) and how it ranks.</summary>
/// <param name="Holder">The orchestration instance that waits for the grant (it gets the grant event).</param>
/// <param name="TaskId">The task within it.</param>
/// <param name="Attempt">The attempt (a retry is a new request).</param>
/// <param name="Priority">The task's priority 1-10.</param>
/// <param name="Deadline">The task's deadline, for deadline-aware policies.</param>
/// <param name="Now">The requester's durable time: the pool's clock is the latest time its callers sent.</param>
public sealed record SlotRequest(string Holder, string TaskId, int Attempt, int Priority, DateTimeOffset? Deadline, DateTimeOffset Now)
{
    /// <summary>The key of the slot while held (one per attempt).</summary>
    public string Key => $"{Holder}|{TaskId}|{Attempt}";
}

/// <summary>How a held slot ended.</summary>
public enum SlotOutcome
{
    /// <summary>The work succeeded: AIMD adds capacity.</summary>
    Succeeded,

    /// <summary>The dependency failed or timed out: counts against the pool's failure rate.</summary>
    Failed,

    /// <summary>The work was cancelled or never ran: no signal either way.</summary>
    Abandoned,
}

/// <summary>A slot given back.</summary>
/// <param name="Holder">As in the request.</param>
/// <param name="TaskId">As in the request.</param>
/// <param name="Attempt">As in the request.</param>
/// <param name="Outcome">How the work went.</param>
/// <param name="LatencyMs">How long the work took.</param>
/// <param name="Now">The releaser's durable time.</param>
public sealed record SlotRelease(string Holder, string TaskId, int Attempt, SlotOutcome Outcome, double LatencyMs, DateTimeOffset Now)
{
    /// <summary>The key of the slot.</summary>
    public string Key => $"{Holder}|{TaskId}|{Attempt}";
}

/// <summary>The answer to a request.</summary>
/// <param name="Granted">Whether the slot is the caller's now.</param>
/// <param name="Waiting">Requests waiting in this shard (the caller included when not granted).</param>
/// <param name="Breaker">The breaker's state.</param>
/// <param name="RetryAfterSeconds">When not granted: ask again after this long if no grant event came (the breaker's
/// remaining open time, or a safety interval).</param>
public sealed record SlotReply(bool Granted, int Waiting, BreakerState Breaker, double RetryAfterSeconds);

/// <summary>A grant to a request that waited: sent to its holder as the event <see cref="EventName"/>.</summary>
/// <param name="Holder">The orchestration to tell.</param>
/// <param name="TaskId">Its task.</param>
/// <param name="Attempt">Its attempt.</param>
/// <param name="Pool">The pool's entity key.</param>
public sealed record SlotGrant(string Holder, string TaskId, int Attempt, string Pool)
{
    /// <summary>The event name a waiter listens for.</summary>
    public string EventName => EventNameFor(Pool, TaskId, Attempt);

    /// <summary>The grant event of one task attempt at one pool shard.</summary>
    public static string EventNameFor(string pool, string taskId, int attempt) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"pool-grant:{pool}:{taskId}:{attempt}");
}

/// <summary>The circuit breaker of a pool shard.</summary>
public enum BreakerState
{
    /// <summary>Grants flow up to the adaptive capacity.</summary>
    Closed,

    /// <summary>The dependency keeps failing: nothing is granted; requests wait instead of burning retries.</summary>
    Open,

    /// <summary>Probing: a few grants at a time; successes close the breaker, a failure opens it again.</summary>
    HalfOpen,
}
