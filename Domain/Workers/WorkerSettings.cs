namespace ServerlessTasks.Domain.Workers;

/// <summary>
/// Timing of external workers and their leases (settings <c>Workers:*</c>, see docs/deployment.md).
/// </summary>
public sealed record WorkerSettings
{
    /// <summary>How often a worker should heartbeat (told on register).</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A worker without a heartbeat (or lease call) for this long is dead and its leases are re-queued.</summary>
    public TimeSpan DeadAfter { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a lease lasts unless renewed (a heartbeat renews every lease its worker holds).</summary>
    public TimeSpan LeaseTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Most times a task is re-queued after lost leases before it fails with <c>worker_lost</c>.</summary>
    public int MaxRequeues { get; init; } = 5;

    /// <summary>Longest a lease call waits for work (<c>wait_seconds</c> is capped here).</summary>
    public TimeSpan MaxLeaseWait { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a waiting lease call looks again without a signal (work enqueued by another host).</summary>
    public TimeSpan LeaseRecheck { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Most tasks one lease call hands out.</summary>
    public int MaxTasksPerLease { get; init; } = 100;

    /// <summary>A dead worker is forgotten (dropped from the list and from health) after this long.</summary>
    public TimeSpan ForgetDeadAfter { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Delivered queue rows (kept for their attempt count) are purged after this long.</summary>
    public TimeSpan RetainDelivered { get; init; } = TimeSpan.FromHours(1);

    /// <summary>A finished outcome not delivered for this long is delivered again by the proctor.</summary>
    public TimeSpan RedeliverAfter { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A task waiting this long with no live worker offering its type is reported (health, proctor event).</summary>
    public TimeSpan NoWorkerAfter { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Time per gained priority level while a task waits in the queue (aging across workflows).</summary>
    public TimeSpan AgingStep { get; init; } = TimeSpan.FromSeconds(30);
}
