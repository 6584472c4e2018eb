using System.Globalization;
using DurableTask.Core.Entities;
using DurableTask.Core.Entities.OperationFormat;
using Google.Protobuf.WellKnownTypes;
using P = Microsoft.DurableTask.Protobuf;

namespace LocalRuntime.Durable.Protobuf;

/// <summary>Entity batches between DTFx's entity dispatcher and the worker's entity runner.</summary>
internal static class EntityConverter
{
    public static P.EntityBatchRequest ToProto(EntityBatchRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var proto = new P.EntityBatchRequest { InstanceId = request.InstanceId ?? string.Empty, EntityState = request.EntityState };
        foreach (var operation in request.Operations ?? [])
        {
            proto.Operations.Add(new P.OperationRequest
            {
                Operation = operation.Operation ?? string.Empty,
                RequestId = operation.Id.ToString(),
                Input = operation.Input,
            });
        }

        return proto;
    }

    public static EntityBatchResult ToCore(P.EntityBatchResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new EntityBatchResult
        {
            EntityState = result.EntityState,
            FailureDetails = FailureConverter.ToCore(result.FailureDetails),
            Results = [.. result.Results.Select(ToCore)],
            Actions = [.. result.Actions.Select(ToCore)],
        };
    }

    private static OperationResult ToCore(P.OperationResult result) => result.ResultTypeCase switch
    {
        P.OperationResult.ResultTypeOneofCase.Success => new OperationResult
        {
            Result = result.Success.Result,
            StartTimeUtc = result.Success.StartTimeUtc?.ToDateTime(),
            EndTimeUtc = result.Success.EndTimeUtc?.ToDateTime(),
        },
        P.OperationResult.ResultTypeOneofCase.Failure => new OperationResult
        {
            FailureDetails = FailureConverter.ToCore(result.Failure.FailureDetails),
            StartTimeUtc = result.Failure.StartTimeUtc?.ToDateTime(),
            EndTimeUtc = result.Failure.EndTimeUtc?.ToDateTime(),
        },
        _ => throw new NotSupportedException($"Entity operation result of kind {result.ResultTypeCase}."),
    };

    private static OperationAction ToCore(P.OperationAction action) => action.OperationActionTypeCase switch
    {
        P.OperationAction.OperationActionTypeOneofCase.SendSignal => new SendSignalOperationAction
        {
            InstanceId = action.SendSignal.InstanceId,
            Name = action.SendSignal.Name,
            Input = action.SendSignal.Input,
            ScheduledTime = action.SendSignal.ScheduledTime?.ToDateTime(),
            RequestTime = action.SendSignal.RequestTime?.ToDateTimeOffset(),
        },
        P.OperationAction.OperationActionTypeOneofCase.StartNewOrchestration => new StartNewOrchestrationOperationAction
        {
            InstanceId = action.StartNewOrchestration.InstanceId,
            Name = action.StartNewOrchestration.Name,
            Version = action.StartNewOrchestration.Version,
            Input = action.StartNewOrchestration.Input,
            ScheduledStartTime = action.StartNewOrchestration.ScheduledTime?.ToDateTime(),
            RequestTime = action.StartNewOrchestration.RequestTime?.ToDateTimeOffset(),
        },
        _ => throw new NotSupportedException($"Entity action of kind {action.OperationActionTypeCase}."),
    };

    /// <summary>The reorder window the worker's entity code needs when orchestrations talk to entities.</summary>
    public static P.OrchestratorEntityParameters? ToProto(TaskOrchestrationEntityParameters? parameters) => parameters is null ? null : new P.OrchestratorEntityParameters
    {
        EntityMessageReorderWindow = Duration.FromTimeSpan(parameters.EntityMessageReorderWindow),
    };

    /// <summary>The entity's function name from its scheduler id (<c>@name@key</c>).</summary>
    public static string EntityName(string instanceId) =>
        EntityId.FromString(instanceId).Name.ToLower(CultureInfo.InvariantCulture);
}
