using DurableTask.Core;

namespace LocalRuntime.Sqlite.Dispatch;

/// <summary>An activity work item with the lock it was handed out under.</summary>
internal sealed class LockedActivityWorkItem(ActivityEntry entry, long token) : TaskActivityWorkItem
{
    public ActivityEntry Entry { get; } = entry;

    public long Token { get; } = token;
}
