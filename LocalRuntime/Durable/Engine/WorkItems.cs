using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace LocalRuntime.Durable.Engine;

/// <summary>
/// A message to an orchestration instance: an event to append to its history. Messages are stored until
/// the checkpoint that consumes them commits, so a crash redelivers them.
/// </summary>
public sealed class OrchestrationMessage
{
    /// <summary>Unique id within the task hub; consumed ids are deleted by the checkpoint.</summary>
    public required long Id { get; init; }

    /// <summary>The target instance.</summary>
    public required string InstanceId { get; init; }

    /// <summary>The target execution; null to address whichever is current.</summary>
    public string? ExecutionId { get; init; }

    /// <summary>The event.</summary>
    public required HistoryEvent Event { get; init; }

    /// <summary>Not delivered before this time (durable timers, scheduled starts).</summary>
    public DateTime? VisibleAt { get; init; }
}

/// <summary>An activity invocation waiting to run.</summary>
public sealed class ActivityWorkItem
{
    /// <summary>Unique id within the task hub.</summary>
    public required long Id { get; init; }

    /// <summary>The orchestration that scheduled it.</summary>
    public required string InstanceId { get; init; }

    /// <summary>Its execution.</summary>
    public required string ExecutionId { get; init; }

    /// <summary>Its sequence id in the orchestration.</summary>
    public required int TaskId { get; init; }

    /// <summary>The activity name.</summary>
    public required string Name { get; init; }

    /// <summary>The input (JSON).</summary>
    public string? Input { get; init; }

    /// <summary>How often it was handed out before (redelivery after a crash).</summary>
    public int DequeueCount { get; set; }
}

/// <summary>The stored state of an orchestration instance (the "instances table" row).</summary>
public sealed record InstanceState
{
    /// <summary>The instance id.</summary>
    public required string InstanceId { get; init; }

    /// <summary>The orchestrator name.</summary>
    public required string Name { get; init; }

    /// <summary>The current execution id (changes on continue-as-new and restart).</summary>
    public required string ExecutionId { get; init; }

    /// <summary>The runtime status.</summary>
    public OrchestrationRuntimeStatus Status { get; init; }

    /// <summary>Creation time (UTC).</summary>
    public DateTime CreatedAt { get; init; }

    /// <summary>Last change (UTC).</summary>
    public DateTime LastUpdatedAt { get; init; }

    /// <summary>The input (JSON).</summary>
    public string? Input { get; init; }

    /// <summary>The output (JSON).</summary>
    public string? Output { get; init; }

    /// <summary>The custom status (JSON).</summary>
    public string? CustomStatus { get; init; }

    /// <summary>Failure details, when failed.</summary>
    public TaskFailureDetails? Failure { get; init; }

    /// <summary>The parent's instance id, for sub-orchestrations.</summary>
    public string? ParentInstanceId { get; init; }

    /// <summary>Tags.</summary>
    public IReadOnlyDictionary<string, string>? Tags { get; init; }

    /// <summary>Whether the status is terminal.</summary>
    public bool IsTerminal => Status is OrchestrationRuntimeStatus.Completed or OrchestrationRuntimeStatus.Failed
        or OrchestrationRuntimeStatus.Terminated or OrchestrationRuntimeStatus.Canceled;
}

/// <summary>
/// Everything one orchestration episode changes, committed atomically: new history, new state,
/// consumed messages, and the messages and activities it sends.
/// </summary>
public sealed class OrchestrationCheckpoint
{
    /// <summary>The instance's state after the episode.</summary>
    public required InstanceState State { get; init; }

    /// <summary>Events appended to the history.</summary>
    public required IReadOnlyList<HistoryEvent> NewEvents { get; init; }

    /// <summary>When true the stored history is replaced by <see cref="NewEvents"/> (continue-as-new, restart).</summary>
    public bool ReplaceHistory { get; init; }

    /// <summary>Ids of the messages this episode consumed.</summary>
    public required IReadOnlyList<long> ConsumedMessageIds { get; init; }

    /// <summary>Messages to other instances (or to itself, such as timers).</summary>
    public required IReadOnlyList<OrchestrationMessage> OutboundMessages { get; init; }

    /// <summary>Activities to run.</summary>
    public required IReadOnlyList<ActivityWorkItem> NewActivities { get; init; }

    /// <summary>Instances created by this episode (sub-orchestrations), in Pending state.</summary>
    public IReadOnlyList<InstanceState> NewInstances { get; init; } = [];
}
