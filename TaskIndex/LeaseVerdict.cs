namespace ServerlessTasks.TaskIndex;

/// <summary>How the store answered a call made with a lease token.</summary>
public enum LeaseVerdictKind
{
    /// <summary>Accepted: the lease was current and held by the caller; the change was made.</summary>
    Accepted,

    /// <summary>The same token finished the task before: nothing changed (a retried call).</summary>
    Repeated,

    /// <summary>No current lease has this token: wrong, superseded by a re-queue, or withdrawn.</summary>
    Unknown,

    /// <summary>The lease is held by another worker than the caller.</summary>
    WrongWorker,

    /// <summary>The lease expired (the proctor re-queues it).</summary>
    Expired,
}

/// <summary>The answer to a token call, with the task's row after it (null when <see cref="LeaseVerdictKind.Unknown"/>).</summary>
/// <param name="Kind">The answer.</param>
/// <param name="Task">The row.</param>
public sealed record LeaseVerdict(LeaseVerdictKind Kind, ExternalTaskRecord? Task);

/// <summary>Counts of the work queue, for health and the proctor.</summary>
/// <param name="Waiting">Tasks queued for a worker.</param>
/// <param name="Leased">Tasks a worker holds.</param>
/// <param name="Undelivered">Finished outcomes not yet delivered to their orchestrations.</param>
/// <param name="OldestWaitingSince">When the longest-waiting task was queued.</param>
/// <param name="WaitingByType">Waiting tasks per task type, with the oldest's enqueue time.</param>
public sealed record WorkQueueStats(int Waiting, int Leased, int Undelivered, DateTimeOffset? OldestWaitingSince, IReadOnlyDictionary<string, (int Count, DateTimeOffset Oldest)> WaitingByType);
