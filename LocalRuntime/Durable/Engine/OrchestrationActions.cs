namespace LocalRuntime.Durable.Engine;

/// <summary>The kinds of decisions orchestrator code makes.</summary>
internal enum ActionKind
{
    ScheduleTask,
    CreateTimer,
    CreateSubOrchestration,
    SendEvent,
    CallEntity,
    SignalEntity,
    LockEntities,
    UnlockEntities,
}

/// <summary>A decision made by orchestrator code, matched against history on replay or committed as new.</summary>
internal sealed class PendingAction
{
    public required ActionKind Kind { get; init; }

    public required int TaskId { get; init; }

    public required string Name { get; init; }

    public string? Data { get; init; }

    public string? TargetInstanceId { get; init; }

    public DateTime FireAt { get; init; }

    public bool Matched { get; set; }

    public static HistoryEventType ScheduledEventType(ActionKind kind) => kind switch
    {
        ActionKind.ScheduleTask => HistoryEventType.TaskScheduled,
        ActionKind.CreateTimer => HistoryEventType.TimerCreated,
        ActionKind.CreateSubOrchestration => HistoryEventType.SubOrchestrationCreated,
        ActionKind.CallEntity => HistoryEventType.EntityOperationCalled,
        ActionKind.SignalEntity => HistoryEventType.EntityOperationSignaled,
        ActionKind.LockEntities => HistoryEventType.EntityLockRequested,
        ActionKind.UnlockEntities => HistoryEventType.EntityUnlockSent,
        _ => HistoryEventType.EventSent,
    };
}

/// <summary>An action awaiting its outcome event (completion, failure, timer fired).</summary>
internal abstract class OpenTask
{
    public abstract void Complete(HistoryEvent outcome);

    /// <summary>For sub-orchestrations: the child instance (terminated with the parent).</summary>
    public virtual string? ChildInstanceId => null;
}
