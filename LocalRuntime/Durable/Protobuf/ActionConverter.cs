using DurableTask.Core;
using DurableTask.Core.Command;
using DurableTask.Core.History;
using P = Microsoft.DurableTask.Protobuf;

namespace LocalRuntime.Durable.Protobuf;

/// <summary>The worker's orchestrator actions (Durable protobuf) to the DTFx actions the orchestration dispatcher commits.</summary>
internal static class ActionConverter
{
    public static OrchestratorAction ToCore(P.OrchestratorAction action)
    {
        ArgumentNullException.ThrowIfNull(action);
        switch (action.OrchestratorActionTypeCase)
        {
            case P.OrchestratorAction.OrchestratorActionTypeOneofCase.ScheduleTask:
                var task = action.ScheduleTask;
                return new ScheduleTaskOrchestratorAction
                {
                    Id = action.Id,
                    Name = task.Name,
                    Version = task.Version,
                    Input = task.Input,
                    Tags = Tags(task.Tags),
                };
            case P.OrchestratorAction.OrchestratorActionTypeOneofCase.CreateSubOrchestration:
                var sub = action.CreateSubOrchestration;
                return new CreateSubOrchestrationAction
                {
                    Id = action.Id,
                    Name = sub.Name,
                    Version = sub.Version,
                    InstanceId = sub.InstanceId,
                    Input = sub.Input,
                    Tags = Tags(sub.Tags),
                };
            case P.OrchestratorAction.OrchestratorActionTypeOneofCase.CreateTimer:
                return new CreateTimerOrchestratorAction { Id = action.Id, FireAt = action.CreateTimer.FireAt.ToDateTime() };
            case P.OrchestratorAction.OrchestratorActionTypeOneofCase.SendEvent:
                var send = action.SendEvent;
                return new SendEventOrchestratorAction
                {
                    Id = action.Id,
                    Instance = new OrchestrationInstance { InstanceId = send.Instance.InstanceId, ExecutionId = send.Instance.ExecutionId },
                    EventName = send.Name,
                    EventData = send.Data,
                };
            case P.OrchestratorAction.OrchestratorActionTypeOneofCase.CompleteOrchestration:
                return Complete(action.Id, action.CompleteOrchestration);
            default:
                // Functions workers send entity calls as SendEvent actions (DTFx's entity message format); the rest have no
                // DTFx action to become.
                throw new NotSupportedException($"The worker sent an orchestrator action this host does not support: {action.OrchestratorActionTypeCase}.");
        }
    }

    private static OrchestrationCompleteOrchestratorAction Complete(int id, P.CompleteOrchestrationAction complete)
    {
        var result = new OrchestrationCompleteOrchestratorAction
        {
            Id = id,
            OrchestrationStatus = (OrchestrationStatus)complete.OrchestrationStatus,
            Result = complete.Result,
            Details = complete.Details,
            NewVersion = complete.NewVersion,
            FailureDetails = FailureConverter.ToCore(complete.FailureDetails),
        };

        // Continue-as-new carries unprocessed external events over to the next generation.
        foreach (var carried in complete.CarryoverEvents)
        {
            if (carried.EventRaised is { } raised)
            {
                result.CarryoverEvents.Add(new EventRaisedEvent(carried.EventId, raised.Input) { Name = raised.Name });
            }
        }

        return result;
    }

    private static Dictionary<string, string>? Tags(Google.Protobuf.Collections.MapField<string, string> tags) =>
        tags.Count == 0 ? null : new Dictionary<string, string>(tags, StringComparer.Ordinal);
}
