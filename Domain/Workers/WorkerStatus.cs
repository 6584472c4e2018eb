namespace ServerlessTasks.Domain.Workers;

/// <summary>The state of an external worker (the API shows it snake_case).</summary>
public enum WorkerStatus
{
    /// <summary>Heartbeating and taking leases.</summary>
    Active,

    /// <summary>Heartbeating, finishing what it holds, taking no new leases.</summary>
    Draining,

    /// <summary>No heartbeat within the dead-after window; its leases were re-queued.</summary>
    Dead,
}
