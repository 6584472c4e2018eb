using DurableTask.Core;
using DurableTask.Core.History;
using Google.Protobuf.WellKnownTypes;
using P = Microsoft.DurableTask.Protobuf;

namespace LocalRuntime.Durable.Client;

/// <summary>DTFx history events and failure details as the Durable gRPC protocol's messages (for history streaming).</summary>
internal static class HistoryProtobuf
{
    public static P.HistoryEvent ToProto(HistoryEvent e)
    {
        var proto = new P.HistoryEvent { EventId = e.EventId, Timestamp = Utc(e.Timestamp) };
        switch (e)
        {
            case ExecutionStartedEvent started:
                proto.ExecutionStarted = new P.ExecutionStartedEvent
                {
                    Name = started.Name,
                    Version = started.Version,
                    Input = started.Input,
                    OrchestrationInstance = new P.OrchestrationInstance
                    {
                        InstanceId = started.OrchestrationInstance?.InstanceId ?? string.Empty,
                        ExecutionId = started.OrchestrationInstance?.ExecutionId,
                    },
                    ParentInstance = started.ParentInstance is { } parent
                        ? new P.ParentInstanceInfo
                        {
                            Name = parent.Name,
                            Version = parent.Version,
                            TaskScheduledId = parent.TaskScheduleId,
                            OrchestrationInstance = new P.OrchestrationInstance
                            {
                                InstanceId = parent.OrchestrationInstance?.InstanceId ?? string.Empty,
                                ExecutionId = parent.OrchestrationInstance?.ExecutionId,
                            },
                        }
                        : null,
                    ScheduledStartTimestamp = started.ScheduledStartTime is { } at ? Utc(at) : null,
                    ParentTraceContext = started.ParentTraceContext is { } trace
                        ? new P.TraceContext { TraceParent = trace.TraceParent, TraceState = trace.TraceState }
                        : null,
                };
                if (started.Tags is not null)
                {
                    proto.ExecutionStarted.Tags.Add(started.Tags);
                }

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
                    FailureDetails = ToProto(completed.FailureDetails),
                };
                break;
            case ExecutionTerminatedEvent terminated:
                proto.ExecutionTerminated = new P.ExecutionTerminatedEvent { Input = terminated.Input };
                break;
            case TaskScheduledEvent scheduled:
                proto.TaskScheduled = new P.TaskScheduledEvent { Name = scheduled.Name, Version = scheduled.Version, Input = scheduled.Input };
                if (scheduled.Tags is not null)
                {
                    proto.TaskScheduled.Tags.Add(scheduled.Tags);
                }

                break;
            case TaskCompletedEvent taskCompleted:
                proto.TaskCompleted = new P.TaskCompletedEvent { Result = taskCompleted.Result, TaskScheduledId = taskCompleted.TaskScheduledId };
                break;
            case TaskFailedEvent taskFailed:
                proto.TaskFailed = new P.TaskFailedEvent
                {
                    FailureDetails = ToProto(taskFailed.FailureDetails) ?? FromReason(taskFailed.Reason, taskFailed.Details),
                    TaskScheduledId = taskFailed.TaskScheduledId,
                };
                break;
            case SubOrchestrationInstanceCreatedEvent created:
                proto.SubOrchestrationInstanceCreated = new P.SubOrchestrationInstanceCreatedEvent
                {
                    Name = created.Name,
                    Version = created.Version,
                    Input = created.Input,
                    InstanceId = created.InstanceId,
                };
                break;
            case SubOrchestrationInstanceCompletedEvent subCompleted:
                proto.SubOrchestrationInstanceCompleted = new P.SubOrchestrationInstanceCompletedEvent
                {
                    Result = subCompleted.Result,
                    TaskScheduledId = subCompleted.TaskScheduledId,
                };
                break;
            case SubOrchestrationInstanceFailedEvent subFailed:
                proto.SubOrchestrationInstanceFailed = new P.SubOrchestrationInstanceFailedEvent
                {
                    FailureDetails = ToProto(subFailed.FailureDetails) ?? FromReason(subFailed.Reason, subFailed.Details),
                    TaskScheduledId = subFailed.TaskScheduledId,
                };
                break;
            case TimerCreatedEvent timerCreated:
                proto.TimerCreated = new P.TimerCreatedEvent { FireAt = Utc(timerCreated.FireAt) };
                break;
            case TimerFiredEvent timerFired:
                proto.TimerFired = new P.TimerFiredEvent { FireAt = Utc(timerFired.FireAt), TimerId = timerFired.TimerId };
                break;
            case OrchestratorStartedEvent:
                proto.OrchestratorStarted = new P.OrchestratorStartedEvent();
                break;
            case OrchestratorCompletedEvent:
                proto.OrchestratorCompleted = new P.OrchestratorCompletedEvent();
                break;
            case EventSentEvent sent:
                proto.EventSent = new P.EventSentEvent { Name = sent.Name, Input = sent.Input, InstanceId = sent.InstanceId };
                break;
            case EventRaisedEvent raised:
                proto.EventRaised = new P.EventRaisedEvent { Name = raised.Name, Input = raised.Input };
                break;
            case GenericEvent generic:
                proto.GenericEvent = new P.GenericEvent { Data = generic.Data };
                break;
            case ExecutionSuspendedEvent suspended:
                proto.ExecutionSuspended = new P.ExecutionSuspendedEvent { Input = suspended.Reason };
                break;
            case ExecutionResumedEvent resumed:
                proto.ExecutionResumed = new P.ExecutionResumedEvent { Input = resumed.Reason };
                break;
            case ExecutionRewoundEvent:
                proto.ExecutionRewound = new P.ExecutionRewoundEvent();
                break;
            default:
                // HistoryState and anything newer: Durable refuses these too; the client skips an empty event.
                break;
        }

        return proto;
    }

    public static P.TaskFailureDetails? ToProto(FailureDetails? details) => details is null
        ? null
        : new P.TaskFailureDetails
        {
            ErrorType = details.ErrorType ?? string.Empty,
            ErrorMessage = details.ErrorMessage ?? string.Empty,
            StackTrace = details.StackTrace,
            InnerFailure = ToProto(details.InnerFailure),
            IsNonRetriable = details.IsNonRetriable,
        };

    public static Timestamp Utc(DateTime time) =>
        Timestamp.FromDateTime(time.Kind == DateTimeKind.Utc ? time : DateTime.SpecifyKind(time.Kind == DateTimeKind.Local ? time.ToUniversalTime() : time, DateTimeKind.Utc));

    private static P.TaskFailureDetails? FromReason(string? reason, string? details) =>
        reason is null && details is null ? null : new P.TaskFailureDetails { ErrorType = string.Empty, ErrorMessage = reason ?? string.Empty, StackTrace = details };
}
