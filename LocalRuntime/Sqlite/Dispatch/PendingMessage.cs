using DurableTask.Core;

namespace LocalRuntime.Sqlite.Dispatch;

/// <summary>A stored message to an instance, as the provider keeps it in memory (its row id, the message, when it becomes visible).</summary>
internal sealed class PendingMessage(long id, TaskMessage message, DateTime visibleAt)
{
    /// <summary>The row id in <c>messages</c>; 0 for a message the provider made up (an entity's start) that has no row.</summary>
    public long Id { get; } = id;

    public TaskMessage Message { get; } = message;

    public DateTime VisibleAt { get; set; } = visibleAt;

    public int DeliveryCount { get; set; }
}
