using DurableTask.Core;
using DurableTask.Core.Entities;
using DurableTask.Core.Exceptions;
using DurableTask.Core.Query;
using DurableTask.Core.Tracing;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using LocalRuntime.Durable.Protobuf;
using Microsoft.Extensions.Logging;
using P = Microsoft.DurableTask.Protobuf;

namespace LocalRuntime.Durable.Client;

/// <summary>
/// The <c>TaskHubSidecarService</c> the worker's <c>[DurableClient]</c> (Microsoft's <c>GrpcDurableTaskClient</c>)
/// calls, answering each call with the results and status codes Durable Functions' own listener gives.
/// Work-item calls (<c>GetWorkItems</c>, <c>Complete*Task</c>) are not served: the worker gets work through the
/// Functions protocol, not here.
/// </summary>
internal sealed partial class TaskHubSidecar(DurableClientService client, ILogger<TaskHubSidecar> logger) : P.TaskHubSidecarService.TaskHubSidecarServiceBase
{
    // Durable streams history in chunks of at most 2 MiB.
    private const int MaxHistoryChunkBytes = 2 * 1024 * 1024;

    public override Task<Empty> Hello(Empty request, ServerCallContext context) => Task.FromResult(new Empty());

    public override async Task<P.CreateTaskHubResponse> CreateTaskHub(P.CreateTaskHubRequest request, ServerCallContext context)
    {
        await client.CreateTaskHubAsync(request.RecreateIfExists);
        return new P.CreateTaskHubResponse();
    }

    public override async Task<P.DeleteTaskHubResponse> DeleteTaskHub(P.DeleteTaskHubRequest request, ServerCallContext context)
    {
        await client.DeleteTaskHubAsync();
        return new P.DeleteTaskHubResponse();
    }

    public override async Task<P.CreateInstanceResponse> StartInstance(P.CreateInstanceRequest request, ServerCallContext context)
    {
        try
        {
            var dedupe = client.DedupeStatuses(request.OrchestrationIdReusePolicy?.ReplaceableStatus.Select(s => (OrchestrationStatus)s).ToList());
            var id = await client.StartAsync(
                new StartInstance(request.Name, request.InstanceId, request.Input)
                {
                    Version = request.Version,
                    ScheduledStartTime = request.ScheduledStartTimestamp?.ToDateTime(),
                    Tags = request.Tags.Count > 0 ? request.Tags : null,
                    TraceParent = request.ParentTraceContext?.TraceParent,
                    TraceState = request.ParentTraceContext?.TraceState,
                },
                dedupe);
            return new P.CreateInstanceResponse { InstanceId = id };
        }
        catch (Exception e) when (e is OrchestrationAlreadyExistsException || (e is InvalidOperationException && e.Message.EndsWith("already exists.", StringComparison.Ordinal)))
        {
            throw new RpcException(new Status(StatusCode.AlreadyExists, $"An Orchestration instance with the ID {request.InstanceId} already exists."));
        }
        catch (ArgumentException e)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"Invalid argument for start instance request for instance ID {request.InstanceId}: {e.Message}"));
        }
        catch (Exception e) when (!context.CancellationToken.IsCancellationRequested && e is not RpcException)
        {
            Log.CallFailed(logger, nameof(StartInstance), request.InstanceId, e);
            throw new RpcException(new Status(StatusCode.Internal, $"Failed to start instance with ID {request.InstanceId}.\nInner Exception message: {e.Message}."));
        }
    }

    public override async Task<P.RaiseEventResponse> RaiseEvent(P.RaiseEventRequest request, ServerCallContext context)
    {
        try
        {
            await client.RaiseEventAsync(request.InstanceId, request.Name, request.Input);
            return new P.RaiseEventResponse();
        }
        catch (ArgumentException e)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, e.Message));
        }
        catch (InstanceNotFoundException e)
        {
            throw new RpcException(new Status(StatusCode.NotFound, e.Message));
        }
        catch (InvalidOperationException)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, "The orchestration instance with the provided instance id is not running."));
        }
    }

    public override async Task<P.TerminateResponse> TerminateInstance(P.TerminateRequest request, ServerCallContext context)
    {
        await ControlAsync(() => client.TerminateAsync(request.InstanceId, request.Output, request.Recursive));
        return new P.TerminateResponse();
    }

    public override async Task<P.SuspendResponse> SuspendInstance(P.SuspendRequest request, ServerCallContext context)
    {
        await ControlAsync(() => client.SuspendAsync(request.InstanceId, request.Reason));
        return new P.SuspendResponse();
    }

    public override async Task<P.ResumeResponse> ResumeInstance(P.ResumeRequest request, ServerCallContext context)
    {
        await ControlAsync(() => client.ResumeAsync(request.InstanceId, request.Reason));
        return new P.ResumeResponse();
    }

    public override async Task<P.RewindInstanceResponse> RewindInstance(P.RewindInstanceRequest request, ServerCallContext context)
    {
        try
        {
            await client.RewindAsync(request.InstanceId, request.Reason);
            return new P.RewindInstanceResponse();
        }
        catch (InstanceNotFoundException e)
        {
            throw new RpcException(new Status(StatusCode.NotFound, e.Message));
        }
        catch (InvalidOperationException e)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, e.Message));
        }
        catch (NotSupportedException e)
        {
            throw new RpcException(new Status(StatusCode.Unimplemented, e.Message));
        }
    }

    public override async Task<P.RestartInstanceResponse> RestartInstance(P.RestartInstanceRequest request, ServerCallContext context)
    {
        try
        {
            return new P.RestartInstanceResponse { InstanceId = await client.RestartAsync(request.InstanceId, request.RestartWithNewInstanceId) };
        }
        catch (InstanceNotFoundException e)
        {
            throw new RpcException(new Status(StatusCode.NotFound, "ArgumentException: " + e.Message));
        }
        catch (OrchestrationAlreadyExistsException e)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, "Non-terminal instance with this instance ID already exists: " + e.Message));
        }
    }

    public override async Task<P.GetInstanceResponse> GetInstance(P.GetInstanceRequest request, ServerCallContext context)
    {
        var state = request.GetInputsAndOutputs
            ? await client.GetStateAsync(request.InstanceId)
            : await client.GetStateWithoutInputAsync(request.InstanceId, withOutput: false);
        return state is null ? new P.GetInstanceResponse { Exists = false } : InstanceResponse(state, request.GetInputsAndOutputs);
    }

    public override async Task<P.GetInstanceResponse> WaitForInstanceStart(P.GetInstanceRequest request, ServerCallContext context) =>
        InstanceResponse(await client.WaitForStartAsync(request.InstanceId, context.CancellationToken), request.GetInputsAndOutputs);

    public override async Task<P.GetInstanceResponse> WaitForInstanceCompletion(P.GetInstanceRequest request, ServerCallContext context)
    {
        var state = await client.WaitForCompletionAsync(request.InstanceId, context.CancellationToken);
        return state is null ? new P.GetInstanceResponse { Exists = false } : InstanceResponse(state, request.GetInputsAndOutputs);
    }

    public override async Task<P.QueryInstancesResponse> QueryInstances(P.QueryInstancesRequest request, ServerCallContext context)
    {
        var query = request.Query ?? new P.InstanceQuery();
        var result = await Unsupported(() => client.QueryAsync(
            new OrchestrationQuery
            {
                RuntimeStatus = query.RuntimeStatus.Count > 0 ? query.RuntimeStatus.Select(s => (OrchestrationStatus)s).ToList() : null,
                CreatedTimeFrom = query.CreatedTimeFrom?.ToDateTime(),
                CreatedTimeTo = query.CreatedTimeTo?.ToDateTime(),
                TaskHubNames = query.TaskHubNames.Count > 0 ? query.TaskHubNames.ToList() : null,
                PageSize = query.MaxInstanceCount > 0 ? query.MaxInstanceCount : 100,
                ContinuationToken = query.ContinuationToken,
                InstanceIdPrefix = query.InstanceIdPrefix,
                FetchInputsAndOutputs = query.FetchInputsAndOutputs,
                ExcludeEntities = true,
            },
            context.CancellationToken));
        var response = new P.QueryInstancesResponse { ContinuationToken = result.ContinuationToken };
        foreach (var state in result.OrchestrationState)
        {
            var proto = ToProto(state, includeData: true);
            proto.FailureDetails = query.FetchInputsAndOutputs ? FailureConverter.ToProto(state.FailureDetails) : null;
            response.OrchestrationState.Add(proto);
        }

        return response;
    }

    public override async Task<P.PurgeInstancesResponse> PurgeInstances(P.PurgeInstancesRequest request, ServerCallContext context)
    {
        try
        {
            PurgeResult result = request.RequestCase switch
            {
                P.PurgeInstancesRequest.RequestOneofCase.InstanceId => await client.PurgeAsync(
                    request.InstanceId,
                    request.Recursive,
                    checkState: request.IsOrchestration || !request.InstanceId.StartsWith('@')),
                P.PurgeInstancesRequest.RequestOneofCase.PurgeInstanceFilter => await client.PurgeAsync(ToFilter(request.PurgeInstanceFilter), request.Recursive, context.CancellationToken),
                _ => throw new RpcException(new Status(StatusCode.InvalidArgument, $"Unknown purge request type '{request.RequestCase}'.")),
            };
            var response = new P.PurgeInstancesResponse { DeletedInstanceCount = result.DeletedInstanceCount };
            if (result.IsComplete is { } complete)
            {
                response.IsComplete = complete;
            }

            return response;
        }
        catch (ArgumentException e)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, e.Message));
        }
        catch (InvalidOperationException e)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, e.Message));
        }
        catch (NotSupportedException e)
        {
            throw new RpcException(new Status(StatusCode.Unimplemented, e.Message));
        }
    }

    public override async Task StreamInstanceHistory(P.StreamInstanceHistoryRequest request, IServerStreamWriter<P.HistoryChunk> responseStream, ServerCallContext context)
    {
        var state = await client.GetStateAsync(request.InstanceId)
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"Orchestration instance with ID {request.InstanceId} was not found."));
        try
        {
            var chunk = new P.HistoryChunk();
            var size = 0;
            foreach (var historyEvent in await client.GetHistoryAsync(state))
            {
                var proto = HistoryConverter.TryToProto(historyEvent);
                var eventSize = proto.CalculateSize();
                if (size + eventSize > MaxHistoryChunkBytes && chunk.Events.Count > 0)
                {
                    await responseStream.WriteAsync(chunk, context.CancellationToken);
                    chunk = new P.HistoryChunk();
                    size = 0;
                }

                chunk.Events.Add(proto);
                size += eventSize;
            }

            if (chunk.Events.Count > 0)
            {
                await responseStream.WriteAsync(chunk, context.CancellationToken);
            }
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.Cancelled, $"Orchestration history streaming cancelled for instance {request.InstanceId}"));
        }
        catch (Exception e) when (e is not RpcException)
        {
            Log.CallFailed(logger, nameof(StreamInstanceHistory), request.InstanceId, e);
            throw new RpcException(new Status(StatusCode.Internal, $"Failed to stream orchestration history for instance {request.InstanceId}: {e.Message}"));
        }
    }

    public override async Task<P.SignalEntityResponse> SignalEntity(P.SignalEntityRequest request, ServerCallContext context)
    {
        if (!Guid.TryParse(request.RequestId, out var requestId))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"'{request.RequestId}' is not a request id (a GUID)."));
        }

        var trace = request.ParentTraceContext is { TraceParent.Length: > 0 } parent ? new DistributedTraceContext(parent.TraceParent, parent.TraceState) : null;
        await Unsupported(() => client.SignalEntityAsync(request.InstanceId, request.Name, request.Input, requestId, request.ScheduledTime?.ToDateTime(), trace));
        return new P.SignalEntityResponse();
    }

    public override async Task<P.GetEntityResponse> GetEntity(P.GetEntityRequest request, ServerCallContext context)
    {
        var entity = await Unsupported(() => client.GetEntityAsync(EntityId.FromString(request.InstanceId), request.IncludeState, context.CancellationToken));
        return new P.GetEntityResponse { Exists = entity.HasValue, Entity = entity is { } found ? ToProto(found) : null };
    }

    public override async Task<P.QueryEntitiesResponse> QueryEntities(P.QueryEntitiesRequest request, ServerCallContext context)
    {
        var query = request.Query ?? new P.EntityQuery();
        var result = await Unsupported(() => client.QueryEntitiesAsync(
            new EntityBackendQueries.EntityQuery
            {
                InstanceIdStartsWith = query.InstanceIdStartsWith,
                LastModifiedFrom = query.LastModifiedFrom?.ToDateTime(),
                LastModifiedTo = query.LastModifiedTo?.ToDateTime(),
                IncludeTransient = query.IncludeTransient,
                IncludeState = query.IncludeState,
                ContinuationToken = query.ContinuationToken,
                PageSize = query.PageSize,
            },
            context.CancellationToken));
        var response = new P.QueryEntitiesResponse { ContinuationToken = result.ContinuationToken };
        response.Entities.AddRange(result.Results.Select(ToProto));
        return response;
    }

    public override async Task<P.CleanEntityStorageResponse> CleanEntityStorage(P.CleanEntityStorageRequest request, ServerCallContext context)
    {
        var result = await Unsupported(() => client.CleanEntityStorageAsync(
            new EntityBackendQueries.CleanEntityStorageRequest
            {
                RemoveEmptyEntities = request.RemoveEmptyEntities,
                ReleaseOrphanedLocks = request.ReleaseOrphanedLocks,
                ContinuationToken = request.ContinuationToken,
            },
            context.CancellationToken));
        return new P.CleanEntityStorageResponse
        {
            EmptyEntitiesRemoved = result.EmptyEntitiesRemoved,
            OrphanedLocksReleased = result.OrphanedLocksReleased,
            ContinuationToken = result.ContinuationToken,
        };
    }

    internal static P.OrchestrationState ToProto(OrchestrationState state, bool includeData)
    {
        var proto = new P.OrchestrationState
        {
            InstanceId = state.OrchestrationInstance.InstanceId,
            Name = state.Name ?? string.Empty,
            Version = string.IsNullOrEmpty(state.Version) ? null : state.Version,
            ParentInstanceId = state.ParentInstance?.OrchestrationInstance?.InstanceId,
            OrchestrationStatus = (P.OrchestrationStatus)state.OrchestrationStatus,
            CreatedTimestamp = ProtoTime.ToTimestamp(state.CreatedTime),
            LastUpdatedTimestamp = ProtoTime.ToTimestamp(state.LastUpdatedTime),
            ScheduledStartTimestamp = state.ScheduledStartTime is { } at ? ProtoTime.ToTimestamp(at) : null,
            Input = includeData ? state.Input : null,
            Output = includeData ? state.Output : null,
            CustomStatus = includeData ? state.Status : null,
            FailureDetails = includeData ? FailureConverter.ToProto(state.FailureDetails) : null,
        };
        if (state.Tags is not null)
        {
            proto.Tags.Add(state.Tags);
        }

        return proto;
    }

    private static P.GetInstanceResponse InstanceResponse(OrchestrationState state, bool includeData) =>
        new() { Exists = true, OrchestrationState = ToProto(state, includeData) };

    private static P.EntityMetadata ToProto(EntityBackendQueries.EntityMetadata metadata) => new()
    {
        InstanceId = metadata.EntityId.ToString(),
        LastModifiedTime = ProtoTime.ToTimestamp(metadata.LastModifiedTime),
        BacklogQueueSize = metadata.BacklogQueueSize,
        LockedBy = metadata.LockedBy,
        SerializedState = metadata.SerializedState,
    };

    private static PurgeInstanceFilter ToFilter(P.PurgeInstanceFilter filter)
    {
        var result = new PurgeInstanceFilter(
            filter.CreatedTimeFrom?.ToDateTime() ?? DateTime.MinValue,
            filter.CreatedTimeTo?.ToDateTime(),
            filter.RuntimeStatus.Count > 0 ? filter.RuntimeStatus.Select(s => (OrchestrationStatus)s).ToList() : null);
        if (filter.Timeout is { } timeout)
        {
            if (timeout.Seconds < 0 || timeout.Nanos < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(filter), "Timeout must be non-negative.");
            }

            result.Timeout = timeout.ToTimeSpan();
        }

        return result;
    }

    private static async Task ControlAsync(Func<Task> operation)
    {
        try
        {
            await operation();
        }
        catch (ArgumentException e)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, e.Message));
        }
        catch (InstanceNotFoundException e)
        {
            throw new RpcException(new Status(StatusCode.NotFound, "ArgumentException: " + e.Message));
        }
        catch (InvalidOperationException e)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, "InvalidOperationException: " + e.Message));
        }
    }

    private static async Task Unsupported(Func<Task> operation)
    {
        try
        {
            await operation();
        }
        catch (NotSupportedException e)
        {
            throw new RpcException(new Status(StatusCode.Unimplemented, e.Message));
        }
    }

    private static async Task<T> Unsupported<T>(Func<Task<T>> operation)
    {
        try
        {
            return await operation();
        }
        catch (NotSupportedException e)
        {
            throw new RpcException(new Status(StatusCode.Unimplemented, e.Message));
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3110, Level = LogLevel.Warning, Message = "Durable client call {Method} for instance {InstanceId} failed")]
        public static partial void CallFailed(ILogger logger, string method, string instanceId, Exception exception);
    }
}
