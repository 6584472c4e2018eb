using Microsoft.DurableTask.Entities;

namespace Microsoft.DurableTask.Client.Entities;

/// <summary>Signals and reads durable entities from outside orchestrations.</summary>
public abstract class DurableEntityClient
{
    /// <summary>Creates the client.</summary>
    protected DurableEntityClient(string name) => Name = name;

    /// <summary>The client's name.</summary>
    public string Name { get; }

    /// <summary>Signals an entity operation.</summary>
    public abstract Task SignalEntityAsync(EntityInstanceId id, string operationName, object? input = null, SignalEntityOptions? options = null, CancellationToken cancellation = default);

    /// <summary>Reads an entity's state; null when it has none.</summary>
    public abstract Task<EntityMetadata<T>?> GetEntityAsync<T>(EntityInstanceId id, CancellationToken cancellation = default);

    /// <summary>Reads an entity's state; null when it has none.</summary>
    public abstract Task<EntityMetadata<T>?> GetEntityAsync<T>(EntityInstanceId id, bool includeState, CancellationToken cancellation = default);
}

/// <summary>An entity's metadata and state.</summary>
public sealed class EntityMetadata<TState>
{
    /// <summary>Creates metadata.</summary>
    public EntityMetadata(EntityInstanceId id, TState state)
    {
        Id = id;
        State = state;
    }

    /// <summary>The entity id.</summary>
    public EntityInstanceId Id { get; }

    /// <summary>When its state last changed.</summary>
    public DateTimeOffset LastModifiedTime { get; init; }

    /// <summary>Whether a state was included.</summary>
    public bool IncludesState { get; init; } = true;

    /// <summary>The state.</summary>
    public TState State { get; }
}
