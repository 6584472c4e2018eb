using DurableTask.Core;

namespace LocalRuntime.Sqlite.Dispatch;

/// <summary>An orchestration work item with the lock it was handed out under.</summary>
internal sealed class LockedOrchestrationWorkItem(InstanceEntry entry, long token) : TaskOrchestrationWorkItem
{
    public InstanceEntry Entry { get; } = entry;

    public long Token { get; } = token;

    /// <summary>The execution the stored history belongs to (null: none yet); a checkpoint is refused if the row moved on.</summary>
    public string? ExpectedExecutionId { get; set; }

    /// <summary>The messages the next checkpoint consumes.</summary>
    public List<PendingMessage> Batch { get; set; } = [];
}
