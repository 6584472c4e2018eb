using DurableTask.Core;

namespace LocalRuntime.Sqlite.Dispatch;

/// <summary>A stored activity work item as the provider keeps it in memory. Guarded by the service's gate.</summary>
internal sealed class ActivityEntry(long id, TaskMessage message)
{
    public long Id { get; } = id;

    public TaskMessage Message { get; } = message;

    public string InstanceId => Message.OrchestrationInstance.InstanceId;

    public DateTime VisibleAt { get; set; }

    /// <summary>Its priority in the ready queue: its own tag, else its instance's.</summary>
    public int Priority { get; set; }

    public long LockToken { get; set; }

    public DateTime LockedUntil { get; set; }

    public int DeliveryCount { get; set; }

    public bool Queued { get; set; }

    /// <summary>Its result is committed (or its instance purged): never handed out again.</summary>
    public bool Done { get; set; }
}
