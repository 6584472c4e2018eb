namespace ServerlessTasks.Domain.Scheduling;

/// <summary>A decision to start one task now.</summary>
/// <param name="TaskId">The task to start.</param>
/// <param name="Index">Its index in the graph.</param>
/// <param name="EffectivePriority">The key that won.</param>
/// <param name="DispatchNumber">1 for the first dispatch of the workflow, 2 for the next, ...</param>
/// <param name="Waited">How long it was ready before this dispatch.</param>
/// <param name="DispatchesWaited">How many other dispatches happened while it was ready.</param>
public sealed record ScheduledDispatch(
    string TaskId,
    int Index,
    PriorityKey EffectivePriority,
    long DispatchNumber,
    TimeSpan Waited,
    long DispatchesWaited);
