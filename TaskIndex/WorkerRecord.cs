using ServerlessTasks.Domain.Workers;

namespace ServerlessTasks.TaskIndex;

/// <summary>An external worker as the worker store keeps it.</summary>
public sealed record WorkerRecord
{
    /// <summary>The worker's id (chosen by the worker).</summary>
    public required string WorkerId { get; init; }

    /// <summary>The task types it runs.</summary>
    public required IReadOnlyList<string> Capabilities { get; init; }

    /// <summary>Most leases it holds at once.</summary>
    public int MaxConcurrentTasks { get; init; }

    /// <summary>Its status as last recorded (see <see cref="StatusAt"/> for the one to show).</summary>
    public WorkerStatus Status { get; init; }

    /// <summary>Tasks it reported running in its last heartbeat.</summary>
    public int ReportedTasks { get; init; }

    /// <summary>Leases it holds now (counted by the store).</summary>
    public int LeasedTasks { get; init; }

    /// <summary>When it registered first.</summary>
    public DateTimeOffset RegisteredAt { get; init; }

    /// <summary>Its last heartbeat (or register or lease call).</summary>
    public DateTimeOffset LastHeartbeatAt { get; init; }

    /// <summary>When it was marked dead, if it was.</summary>
    public DateTimeOffset? DeadAt { get; init; }

    /// <summary>The system info of its last heartbeat (JSON), if any.</summary>
    public string? SystemInfo { get; init; }

    /// <summary>The tenant it works for (only that tenant's tasks are leased to it), or null: every task.</summary>
    public string? Tenant { get; init; }

    /// <summary>Its status at <paramref name="now"/>: dead once <paramref name="deadAfter"/> passed without a heartbeat, even before the proctor marked it.</summary>
    public WorkerStatus StatusAt(DateTimeOffset now, TimeSpan deadAfter) =>
        Status == WorkerStatus.Dead || now - LastHeartbeatAt > deadAfter ? WorkerStatus.Dead : Status;
}

/// <summary>What a worker registers with.</summary>
/// <param name="WorkerId">Its id.</param>
/// <param name="Capabilities">The task types it runs.</param>
/// <param name="MaxConcurrentTasks">Most leases it holds at once.</param>
public sealed record WorkerRegistration(string WorkerId, IReadOnlyList<string> Capabilities, int MaxConcurrentTasks)
{
    /// <summary>The tenant of the key that registered it, when tenants are used: it leases that tenant's tasks alone.</summary>
    public string? Tenant { get; init; }
}
