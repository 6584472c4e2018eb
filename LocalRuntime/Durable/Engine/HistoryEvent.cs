using Microsoft.DurableTask;

namespace LocalRuntime.Durable.Engine;

/// <summary>The kinds of events in an orchestration's history (and in the messages that feed it).</summary>
public enum HistoryEventType
{
    /// <summary>Start of an execution: name, input, parent.</summary>
    ExecutionStarted,
    /// <summary>Start of an episode; its timestamp is <c>CurrentUtcDateTime</c> while replaying.</summary>
    OrchestratorStarted,
    /// <summary>An activity was scheduled.</summary>
    TaskScheduled,
    /// <summary>An activity completed.</summary>
    TaskCompleted,
    /// <summary>An activity failed.</summary>
    TaskFailed,
    /// <summary>A durable timer was created.</summary>
    TimerCreated,
    /// <summary>A durable timer fired.</summary>
    TimerFired,
    /// <summary>An external event arrived.</summary>
    EventRaised,
    /// <summary>The orchestration sent an event to another instance.</summary>
    EventSent,
    /// <summary>A sub-orchestration was started.</summary>
    SubOrchestrationCreated,
    /// <summary>A sub-orchestration completed.</summary>
    SubOrchestrationCompleted,
    /// <summary>A sub-orchestration failed.</summary>
    SubOrchestrationFailed,
    /// <summary>A client suspended the instance.</summary>
    ExecutionSuspended,
    /// <summary>A client resumed the instance.</summary>
    ExecutionResumed,
    /// <summary>A client terminated the instance.</summary>
    ExecutionTerminated,
    /// <summary>The execution finished (completed, failed, terminated or continued as new).</summary>
    ExecutionCompleted,
    /// <summary>The execution was rewound after a failure.</summary>
    ExecutionRewound,
    /// <summary>The orchestration called an entity operation (history); <see cref="HistoryEvent.InstanceId"/> is the entity.</summary>
    EntityOperationCalled,
    /// <summary>The orchestration signalled an entity operation (history).</summary>
    EntityOperationSignaled,
    /// <summary>
    /// A lock request: in an orchestration's history, <see cref="HistoryEvent.Data"/> holds every entity id; as a
    /// message to an entity, the ids still to lock after it.
    /// </summary>
    EntityLockRequested,
    /// <summary>The orchestration released its locks (history); <see cref="HistoryEvent.Data"/> holds the entity ids.</summary>
    EntityUnlockSent,
    /// <summary>A message to an entity: run an operation. <see cref="HistoryEvent.InstanceId"/> is the sender; <see cref="HistoryEvent.Parent"/> is set when a response is due.</summary>
    EntityOperationRequested,
    /// <summary>A message to an entity: its lock holder releases it.</summary>
    EntityUnlockRequested,
    /// <summary>An entity operation called by the orchestration completed.</summary>
    EntityOperationCompleted,
    /// <summary>An entity operation called by the orchestration failed (its state change was rolled back).</summary>
    EntityOperationFailed,
    /// <summary>Every entity of a lock request is locked for the orchestration.</summary>
    EntityLockGranted,
}

/// <summary>
/// One event of an orchestration's history. A single flat shape keeps storage simple; which fields
/// are used depends on <see cref="Type"/>.
/// </summary>
public sealed class HistoryEvent
{
    /// <summary>The kind of event.</summary>
    public required HistoryEventType Type { get; init; }

    /// <summary>When the event was recorded (UTC).</summary>
    public DateTime Timestamp { get; init; }

    /// <summary>The sequence id of the action this event belongs to (scheduled task, timer, sub-orchestration); -1 when none.</summary>
    public int TaskId { get; init; } = -1;

    /// <summary>Activity, orchestrator or event name.</summary>
    public string? Name { get; init; }

    /// <summary>Input, result, event payload or output (JSON).</summary>
    public string? Data { get; init; }

    /// <summary>Failure details for failed tasks and executions.</summary>
    public TaskFailureDetails? Failure { get; init; }

    /// <summary>A related instance: the instance itself (ExecutionStarted), the child of a sub-orchestration, the target of a sent event.</summary>
    public string? InstanceId { get; init; }

    /// <summary>The execution id (for <see cref="HistoryEventType.ExecutionStarted"/>).</summary>
    public string? ExecutionId { get; init; }

    /// <summary>When a timer fires.</summary>
    public DateTime? FireAt { get; init; }

    /// <summary>The final status (for <see cref="HistoryEventType.ExecutionCompleted"/>).</summary>
    public Microsoft.DurableTask.Client.OrchestrationRuntimeStatus? Status { get; init; }

    /// <summary>For ExecutionStarted of a sub-orchestration: the parent and the task id to answer.</summary>
    public ParentInfo? Parent { get; init; }

    /// <summary>Tags of the instance (ExecutionStarted).</summary>
    public IReadOnlyDictionary<string, string>? Tags { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"{Type} #{TaskId} {Name}";
}

/// <summary>Where a sub-orchestration reports back to.</summary>
/// <param name="Name">The parent's orchestrator name.</param>
/// <param name="InstanceId">The parent's instance id.</param>
/// <param name="ExecutionId">The parent's execution id.</param>
/// <param name="TaskId">The parent's sequence id for the sub-orchestration.</param>
public sealed record ParentInfo(string Name, string InstanceId, string ExecutionId, int TaskId);
