using DurableTask.Core;
using DurableTask.Core.History;
using DurableTask.Core.Tracing;
using P = Microsoft.DurableTask.Protobuf;

namespace LocalRuntime.Durable.Protobuf;

/// <summary>
/// DTFx history events (the host's model, as the backends store them) to the Durable protobuf events the worker's
/// Durable Task SDK replays.
/// </summary>
internal static class HistoryConverter
{
    public static P.HistoryEvent ToProto(HistoryEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var proto = new P.HistoryEvent { EventId = e.EventId, Timestamp = ProtoTime.ToTimestamp(e.Timestamp) };
        switch (e)
        {
            case ExecutionStartedEvent started:
                proto.ExecutionStarted = new P.ExecutionStartedEvent
                {
                    Name = started.Name ?? string.Empty,
                    Version = started.Version,
                    Input = started.Input,
                    OrchestrationInstance = ToProto(started.OrchestrationInstance),
                    ParentInstance = started.ParentInstance is { } parent ? new P.ParentInstanceInfo
                    {
                        Name = parent.Name,
                        Version = parent.Version,
                        TaskScheduledId = parent.TaskScheduleId,
                        OrchestrationInstance = ToProto(parent.OrchestrationInstance),
                    } : null,
                    ScheduledStartTimestamp = ProtoTime.ToTimestamp(started.ScheduledStartTime),
                    ParentTraceContext = ToProto(started.ParentTraceContext),
                };
                AddTags(proto.ExecutionStarted.Tags, started.Tags);
                break;

            // ContinueAsNewEvent derives from ExecutionCompletedEvent: match it first.
            case ContinueAsNewEvent continued:
                proto.ContinueAsNew = new P.ContinueAsNewEvent { Input = continued.Result };
                break;
            case ExecutionCompletedEvent completed:
                proto.ExecutionCompleted = new P.ExecutionCompletedEvent
                {
                    OrchestrationStatus = (P.OrchestrationStatus)completed.OrchestrationStatus,
                    Result = completed.Result,
                    FailureDetails = FailureConverter.ToProto(completed.FailureDetails),
                };
                break;
            case ExecutionTerminatedEvent terminated:
                proto.ExecutionTerminated = new P.ExecutionTerminatedEvent { Input = terminated.Input };
                break;
            case ExecutionSuspendedEvent suspended:
                proto.ExecutionSuspended = new P.ExecutionSuspendedEvent { Input = suspended.Reason };
                break;
            case ExecutionResumedEvent resumed:
                proto.ExecutionResumed = new P.ExecutionResumedEvent { Input = resumed.Reason };
                break;
            case ExecutionRewoundEvent rewound:
                proto.ExecutionRewound = new P.ExecutionRewoundEvent
                {
                    Reason = rewound.Reason,
                    ParentExecutionId = rewound.ParentExecutionId,
                    InstanceId = rewound.InstanceId,
                    ParentTraceContext = ToProto(rewound.ParentTraceContext),
                };
                break;
            case TaskScheduledEvent scheduled:
                proto.TaskScheduled = new P.TaskScheduledEvent
                {
                    Name = scheduled.Name ?? string.Empty,
                    Version = scheduled.Version,
                    Input = scheduled.Input,
                    ParentTraceContext = ToProto(scheduled.ParentTraceContext),
                };
                AddTags(proto.TaskScheduled.Tags, scheduled.Tags);
                break;
            case TaskCompletedEvent taskCompleted:
                proto.TaskCompleted = new P.TaskCompletedEvent { TaskScheduledId = taskCompleted.TaskScheduledId, Result = taskCompleted.Result };
                break;
            case TaskFailedEvent taskFailed:
                proto.TaskFailed = new P.TaskFailedEvent
                {
                    TaskScheduledId = taskFailed.TaskScheduledId,
                    FailureDetails = FailureConverter.ToProto(taskFailed.FailureDetails) ?? LegacyFailure(taskFailed.Reason, taskFailed.Details),
                };
                break;
            case SubOrchestrationInstanceCreatedEvent created:
                proto.SubOrchestrationInstanceCreated = new P.SubOrchestrationInstanceCreatedEvent
                {
                    InstanceId = created.InstanceId ?? string.Empty,
                    Name = created.Name ?? string.Empty,
                    Version = created.Version,
                    Input = created.Input,
                };
                AddTags(proto.SubOrchestrationInstanceCreated.Tags, created.Tags);
                break;
            case SubOrchestrationInstanceCompletedEvent subCompleted:
                proto.SubOrchestrationInstanceCompleted = new P.SubOrchestrationInstanceCompletedEvent
                {
                    TaskScheduledId = subCompleted.TaskScheduledId,
                    Result = subCompleted.Result,
                };
                break;
            case SubOrchestrationInstanceFailedEvent subFailed:
                proto.SubOrchestrationInstanceFailed = new P.SubOrchestrationInstanceFailedEvent
                {
                    TaskScheduledId = subFailed.TaskScheduledId,
                    FailureDetails = FailureConverter.ToProto(subFailed.FailureDetails) ?? LegacyFailure(subFailed.Reason, subFailed.Details),
                };
                break;
            case TimerCreatedEvent timerCreated:
                proto.TimerCreated = new P.TimerCreatedEvent { FireAt = ProtoTime.ToTimestamp(timerCreated.FireAt) };
                break;
            case TimerFiredEvent timerFired:
                proto.TimerFired = new P.TimerFiredEvent { FireAt = ProtoTime.ToTimestamp(timerFired.FireAt), TimerId = timerFired.TimerId };
                break;
            case OrchestratorStartedEvent:
                proto.OrchestratorStarted = new P.OrchestratorStartedEvent();
                break;
            case OrchestratorCompletedEvent:
                proto.OrchestratorCompleted = new P.OrchestratorCompletedEvent();
                break;
            case EventSentEvent sent:
                proto.EventSent = new P.EventSentEvent { InstanceId = sent.InstanceId ?? string.Empty, Name = sent.Name ?? string.Empty, Input = sent.Input };
                break;
            case EventRaisedEvent raised:
                proto.EventRaised = new P.EventRaisedEvent { Name = raised.Name ?? string.Empty, Input = raised.Input };
                break;
            case GenericEvent generic:
                proto.GenericEvent = new P.GenericEvent { Data = generic.Data };
                break;
            case HistoryStateEvent state:
                proto.HistoryState = new P.HistoryStateEvent { OrchestrationState = ToProto(state.State) };
                break;
            default:
                throw new NotSupportedException($"History event type {e.EventType} has no Durable protobuf form.");
        }

        return proto;
    }

    /// <summary>
    /// For history streaming: an event type with no protobuf form becomes an empty event (id and time only), which the client
    /// skips, as Durable's listener does, instead of failing the whole history.
    /// </summary>
    public static P.HistoryEvent TryToProto(HistoryEvent e)
    {
        try
        {
            return ToProto(e);
        }
        catch (NotSupportedException)
        {
            return new P.HistoryEvent { EventId = e.EventId, Timestamp = ProtoTime.ToTimestamp(e.Timestamp) };
        }
    }

    private static P.OrchestrationInstance? ToProto(OrchestrationInstance? instance) => instance is null ? null : new P.OrchestrationInstance
    {
        InstanceId = instance.InstanceId ?? string.Empty,
        ExecutionId = instance.ExecutionId,
    };

    private static P.TraceContext? ToProto(DistributedTraceContext? trace) => trace is null ? null : new P.TraceContext
    {
        TraceParent = trace.TraceParent ?? string.Empty,
        TraceState = trace.TraceState,
    };

    private static P.OrchestrationState? ToProto(OrchestrationState? state) => state is null ? null : new P.OrchestrationState
    {
        InstanceId = state.OrchestrationInstance?.InstanceId ?? string.Empty,
        Name = state.Name ?? string.Empty,
        Version = state.Version,
        Input = state.Input,
        Output = state.Output,
        CustomStatus = state.Status,
        ScheduledStartTimestamp = ProtoTime.ToTimestamp(state.ScheduledStartTime),
        CreatedTimestamp = ProtoTime.ToTimestamp(state.CreatedTime),
        LastUpdatedTimestamp = ProtoTime.ToTimestamp(state.LastUpdatedTime),
        OrchestrationStatus = (P.OrchestrationStatus)state.OrchestrationStatus,
        FailureDetails = FailureConverter.ToProto(state.FailureDetails),
    };

    /// <summary>Failures recorded before DTFx had failure details carry a reason and details string only.</summary>
    private static P.TaskFailureDetails LegacyFailure(string? reason, string? details) => new()
    {
        ErrorType = "(unknown)",
        ErrorMessage = reason ?? string.Empty,
        StackTrace = details,
    };

    private static void AddTags(Google.Protobuf.Collections.MapField<string, string> target, IDictionary<string, string>? tags)
    {
        if (tags is null)
        {
            return;
        }

        foreach (var (key, value) in tags)
        {
            target[key] = value ?? string.Empty;
        }
    }
}
