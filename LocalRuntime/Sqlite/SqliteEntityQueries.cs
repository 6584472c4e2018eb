using DurableTask.Core;
using DurableTask.Core.Entities;
using DurableTask.Core.Query;

namespace LocalRuntime.Sqlite;

/// <summary>
/// Entity queries over the instance rows: an entity is an instance whose id starts with '@'; DTFx keeps its
/// serialized scheduler state (with the entity state) as the current execution's input and an
/// <see cref="EntityStatus"/> as its custom status.
/// </summary>
internal sealed class SqliteEntityQueries(SqliteOrchestrationService service) : EntityBackendQueries
{
    public override async Task<EntityMetadata?> GetEntityAsync(EntityId id, bool includeState = false, bool includeStateless = false, CancellationToken cancellation = default)
    {
        var state = await service.GetStateAsync(id.ToString(), withInput: true);
        return state is null ? null : ToMetadata(state, includeState, includeStateless);
    }

    public override async Task<EntityQueryResult> QueryEntitiesAsync(EntityQuery query, CancellationToken cancellation)
    {
        var prefix = query.InstanceIdStartsWith ?? "@";
        if (!prefix.StartsWith('@'))
        {
            prefix = "@" + prefix;
        }

        var results = new List<EntityMetadata>();
        var continuation = query.ContinuationToken;
        var pageSize = query.PageSize ?? 100;
        while (true)
        {
            var page = await service.GetOrchestrationWithQueryAsync(
                new OrchestrationQuery { InstanceIdPrefix = prefix, PageSize = pageSize, ContinuationToken = continuation, FetchInputsAndOutputs = query.IncludeState },
                cancellation);
            foreach (var state in page.OrchestrationState)
            {
                if (query.LastModifiedFrom is { } from && state.LastUpdatedTime < from)
                {
                    continue;
                }

                if (query.LastModifiedTo is { } to && state.LastUpdatedTime > to)
                {
                    continue;
                }

                if (ToMetadata(state, query.IncludeState, query.IncludeTransient) is { } metadata)
                {
                    results.Add(metadata);
                }
            }

            continuation = page.ContinuationToken;
            if (continuation is null || results.Count >= pageSize)
            {
                return new EntityQueryResult { Results = results, ContinuationToken = continuation };
            }
        }
    }

    public override async Task<CleanEntityStorageResult> CleanEntityStorageAsync(CleanEntityStorageRequest request = default, CancellationToken cancellation = default)
    {
        var removed = 0;
        var released = 0;
        string? continuation = request.ContinuationToken;
        do
        {
            var page = await service.GetOrchestrationWithQueryAsync(
                new OrchestrationQuery { InstanceIdPrefix = "@", PageSize = 100, ContinuationToken = continuation, FetchInputsAndOutputs = true },
                cancellation);
            foreach (var state in page.OrchestrationState)
            {
                var status = ClientEntityHelpers.GetEntityStatus(state.Status);
                if (request.ReleaseOrphanedLocks && status?.LockedBy is { } owner)
                {
                    var ownerState = await service.GetStateAsync(owner, withInput: false);
                    if (ownerState is null || SqliteOrchestrationService.IsTerminal(ownerState.OrchestrationStatus))
                    {
                        var message = ClientEntityHelpers.EmitUnlockForOrphanedLock(state.OrchestrationInstance, owner);
                        await service.SendTaskOrchestrationMessageAsync(message.AsTaskMessage());
                        released++;
                    }
                }

                if (request.RemoveEmptyEntities && status is { EntityExists: false, LockedBy: null, BacklogQueueSize: 0 })
                {
                    var result = await service.PurgeInstanceStateAsync(state.OrchestrationInstance.InstanceId);
                    removed += result.DeletedInstanceCount;
                }
            }

            continuation = page.ContinuationToken;
        }
        while (continuation is not null);

        return new CleanEntityStorageResult { EmptyEntitiesRemoved = removed, OrphanedLocksReleased = released };
    }

    private static EntityMetadata? ToMetadata(OrchestrationState state, bool includeState, bool includeStateless)
    {
        var status = ClientEntityHelpers.GetEntityStatus(state.Status);
        var exists = status?.EntityExists ?? false;
        if (!exists && !includeStateless)
        {
            return null;
        }

        return new EntityMetadata
        {
            EntityId = EntityId.FromString(state.OrchestrationInstance.InstanceId),
            LastModifiedTime = state.LastUpdatedTime,
            BacklogQueueSize = status?.BacklogQueueSize ?? 0,
            LockedBy = status?.LockedBy,
            SerializedState = includeState && exists ? ClientEntityHelpers.GetEntityState(state.Input) : null,
        };
    }
}
