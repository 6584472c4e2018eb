namespace Microsoft.DurableTask.Entities;

/// <summary>Entity operations available to an orchestration (<c>context.Entities</c>).</summary>
public abstract class TaskOrchestrationEntityFeature
{
    /// <summary>Calls an entity operation and waits for its result.</summary>
    public abstract Task<TResult> CallEntityAsync<TResult>(EntityInstanceId id, string operationName, object? input = null, CallEntityOptions? options = null);

    /// <summary>Calls an entity operation and waits for it to finish.</summary>
    public abstract Task CallEntityAsync(EntityInstanceId id, string operationName, object? input = null, CallEntityOptions? options = null);

    /// <summary>Signals an entity operation without waiting.</summary>
    public abstract Task SignalEntityAsync(EntityInstanceId id, string operationName, object? input = null, SignalEntityOptions? options = null);

    /// <summary>Locks entities for a critical section; dispose the result to release them.</summary>
    public abstract Task<IAsyncDisposable> LockEntitiesAsync(IEnumerable<EntityInstanceId> entityIds);

    /// <summary>Locks entities for a critical section; dispose the result to release them.</summary>
    public virtual Task<IAsyncDisposable> LockEntitiesAsync(params EntityInstanceId[] entityIds) =>
        LockEntitiesAsync((IEnumerable<EntityInstanceId>)entityIds);

    /// <summary>Whether the orchestration is inside a critical section.</summary>
    public abstract bool InCriticalSection(out IReadOnlyList<EntityInstanceId> entityIds);
}

/// <summary>Options for calling an entity.</summary>
public record CallEntityOptions;

/// <summary>Options for signaling an entity.</summary>
public record SignalEntityOptions
{
    /// <summary>When the signal should be delivered; now when null.</summary>
    public DateTimeOffset? SignalTime { get; init; }
}
