using Microsoft.DurableTask.Client.Entities;
using Microsoft.DurableTask.Entities;

namespace LocalRuntime.Durable.Engine;

/// <summary>The <see cref="DurableEntityClient"/> of a local engine: signals are stored messages, state is read from the store.</summary>
internal sealed class LocalDurableEntityClient(DurableEngine engine) : DurableEntityClient(engine.Options.HubName)
{
    public override async Task SignalEntityAsync(
        EntityInstanceId id, string operationName, object? input = null, SignalEntityOptions? options = null, CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(operationName);
        var message = new OrchestrationMessage
        {
            Id = engine.NextId(),
            InstanceId = id.ToString(),
            VisibleAt = options?.SignalTime?.UtcDateTime,
            Event = new HistoryEvent
            {
                Type = HistoryEventType.EntityOperationRequested,
                Timestamp = engine.UtcNow(),
                Name = operationName,
                Data = DataConverter.Serialize(input),
            },
        };
        await engine.Store.SendMessagesAsync([message], cancellation);
        engine.Route(message);
    }

    public override Task<EntityMetadata<T>?> GetEntityAsync<T>(EntityInstanceId id, CancellationToken cancellation = default) =>
        GetEntityAsync<T>(id, true, cancellation);

    public override async Task<EntityMetadata<T>?> GetEntityAsync<T>(EntityInstanceId id, bool includeState, CancellationToken cancellation = default)
    {
        var state = await engine.Store.GetInstanceAsync(id.ToString(), cancellation);
        if (state?.CustomStatus is not { } serialized)
        {
            return null;
        }

        return new EntityMetadata<T>(id, includeState ? DataConverter.Deserialize<T>(serialized)! : default!)
        {
            LastModifiedTime = new DateTimeOffset(DateTime.SpecifyKind(state.LastUpdatedAt, DateTimeKind.Utc)),
            IncludesState = includeState,
        };
    }
}
