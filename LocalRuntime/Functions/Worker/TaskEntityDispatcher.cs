using LocalRuntime.Durable.Engine;
using Microsoft.DurableTask.Entities;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.Azure.Functions.Worker;

/// <summary>
/// Bound to an <c>[EntityTrigger]</c> parameter: hands the batch of operations an entity received to entity code.
/// </summary>
public sealed class TaskEntityDispatcher
{
    private readonly EntityBatch _batch;
    private readonly IServiceProvider _services;

    internal TaskEntityDispatcher(EntityBatch batch, IServiceProvider services)
    {
        _batch = batch;
        _services = services;
    }

    /// <summary>The entity id of this batch.</summary>
    public EntityInstanceId EntityId => _batch.Id;

    /// <summary>Runs the operations on an entity created by dependency injection (or its constructor).</summary>
    public Task DispatchAsync<T>()
        where T : ITaskEntity => DispatchAsync(ActivatorUtilities.GetServiceOrCreateInstance<T>(_services));

    /// <summary>Runs the operations on <paramref name="entity"/>.</summary>
    public Task DispatchAsync(ITaskEntity entity) => _batch.RunAsync(entity);
}
