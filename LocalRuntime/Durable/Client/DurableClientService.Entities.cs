using DurableTask.Core;
using DurableTask.Core.Entities;
using DurableTask.Core.Tracing;

namespace LocalRuntime.Durable.Client;

public sealed partial class DurableClientService
{
    private IEntityOrchestrationService Entities =>
        EntityService ?? throw new NotSupportedException(
            $"Missing entity support for storage backend '{Service.GetType().Name}'. Entity support may have not been implemented yet, or the selected package version is too old.");

    /// <summary>Whether the backend supports entities (native entity queries and properties).</summary>
    internal bool SupportsEntities => EntityService is not null;

    /// <summary>Sends a one-way operation signal to an entity (instance id <c>@name@key</c>), capped to the backend's maximum delay.</summary>
    internal async Task SignalEntityAsync(string entityInstanceId, string operation, string? input, Guid requestId, DateTime? scheduledTime, DistributedTraceContext? trace)
    {
        var entities = Entities;
        var signal = ClientEntityHelpers.EmitOperationSignal(
            new OrchestrationInstance { InstanceId = entityInstanceId },
            requestId,
            operation,
            input,
            EntityMessageEvent.GetCappedScheduledTime(Time.GetUtcNow().UtcDateTime, entities.EntityBackendProperties!.MaximumSignalDelayTime, scheduledTime),
            trace,
            requestTime: null,
            createTrace: false);
        await Client.SendTaskOrchestrationMessageAsync(signal.AsTaskMessage());
    }

    /// <summary>An entity's metadata (and state when asked), or null when it does not exist.</summary>
    internal Task<EntityBackendQueries.EntityMetadata?> GetEntityAsync(EntityId id, bool includeState, CancellationToken cancellation) =>
        Entities.EntityBackendQueries!.GetEntityAsync(id, includeState, includeStateless: false, cancellation);

    internal Task<EntityBackendQueries.EntityQueryResult> QueryEntitiesAsync(EntityBackendQueries.EntityQuery query, CancellationToken cancellation) =>
        Entities.EntityBackendQueries!.QueryEntitiesAsync(query, cancellation);

    internal Task<EntityBackendQueries.CleanEntityStorageResult> CleanEntityStorageAsync(EntityBackendQueries.CleanEntityStorageRequest request, CancellationToken cancellation) =>
        Entities.EntityBackendQueries!.CleanEntityStorageAsync(request, cancellation);
}
