using System.Text.Json;
using Microsoft.DurableTask.Entities;

namespace LocalRuntime.Durable.Engine;

/// <summary>Entity calls, signals and critical sections of an orchestration: actions like activities, matched on replay.</summary>
internal sealed partial class LocalOrchestrationContext
{
    private EntityFeature? _entities;
    private EntityInstanceId[]? _locked;

    public override TaskOrchestrationEntityFeature Entities => _entities ??= new EntityFeature(this);

    /// <summary>The entities this orchestration holds locked (released when it ends); null outside a critical section.</summary>
    public IReadOnlyList<EntityInstanceId>? LockedEntities => _locked;

    private Task<T> CallEntity<T>(EntityInstanceId id, string operationName, object? input)
    {
        ArgumentException.ThrowIfNullOrEmpty(operationName);
        if (_locked is not null && Array.IndexOf(_locked, id) < 0)
        {
            throw new InvalidOperationException($"Inside a critical section an orchestration may only call the entities it locked; '{id}' is not one of them.");
        }

        var taskId = NextSequence();
        AddAction(new PendingAction { Kind = ActionKind.CallEntity, TaskId = taskId, Name = operationName, Data = DataConverter.Serialize(input), TargetInstanceId = id.ToString() });
        var open = new ResultOpenTask<T>(operationName, taskId, null);
        _open[taskId] = open;
        return open.Source.Task;
    }

    private void SignalEntity(EntityInstanceId id, string operationName, object? input, SignalEntityOptions? options)
    {
        ArgumentException.ThrowIfNullOrEmpty(operationName);
        AddAction(new PendingAction
        {
            Kind = ActionKind.SignalEntity,
            TaskId = NextSequence(),
            Name = operationName,
            Data = DataConverter.Serialize(input),
            TargetInstanceId = id.ToString(),
            FireAt = options?.SignalTime?.UtcDateTime ?? default,
        });
    }

    private Task<IAsyncDisposable> LockEntities(IEnumerable<EntityInstanceId> entityIds)
    {
        ArgumentNullException.ThrowIfNull(entityIds);
        if (_locked is not null)
        {
            throw new InvalidOperationException("The orchestration is already inside a critical section; nested locks are not supported.");
        }

        // One fixed order (by id) for every orchestration: lock acquisition cannot deadlock.
        var ids = entityIds.Distinct().OrderBy(e => e.ToString(), StringComparer.Ordinal).ToArray();
        if (ids.Length == 0)
        {
            throw new ArgumentException("At least one entity must be locked.", nameof(entityIds));
        }

        var taskId = NextSequence();
        AddAction(new PendingAction
        {
            Kind = ActionKind.LockEntities,
            TaskId = taskId,
            Name = "lock",
            Data = JsonSerializer.Serialize(ids.Select(e => e.ToString()).ToArray(), DataConverter.Options),
            TargetInstanceId = ids[0].ToString(),
        });
        var open = new LockOpenTask(this, ids);
        _open[taskId] = open;
        return open.Source.Task;
    }

    private void ReleaseLocks(EntityInstanceId[] ids)
    {
        if (!ReferenceEquals(_locked, ids))
        {
            return; // released already
        }

        _locked = null;
        AddAction(new PendingAction
        {
            Kind = ActionKind.UnlockEntities,
            TaskId = NextSequence(),
            Name = "unlock",
            Data = JsonSerializer.Serialize(ids.Select(e => e.ToString()).ToArray(), DataConverter.Options),
        });
    }

    private sealed class LockOpenTask(LocalOrchestrationContext context, EntityInstanceId[] ids) : OpenTask
    {
        public TaskCompletionSource<IAsyncDisposable> Source { get; } = new();

        public override void Complete(HistoryEvent outcome)
        {
            context._locked = ids;
            Source.TrySetResult(new CriticalSection(context, ids));
        }
    }

    private sealed class CriticalSection(LocalOrchestrationContext context, EntityInstanceId[] ids) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            context.ReleaseLocks(ids);
            return ValueTask.CompletedTask;
        }
    }

    private sealed class EntityFeature(LocalOrchestrationContext context) : TaskOrchestrationEntityFeature
    {
        public override Task<TResult> CallEntityAsync<TResult>(EntityInstanceId id, string operationName, object? input = null, CallEntityOptions? options = null) =>
            context.CallEntity<TResult>(id, operationName, input);

        public override Task CallEntityAsync(EntityInstanceId id, string operationName, object? input = null, CallEntityOptions? options = null) =>
            context.CallEntity<object>(id, operationName, input);

        public override Task SignalEntityAsync(EntityInstanceId id, string operationName, object? input = null, SignalEntityOptions? options = null)
        {
            context.SignalEntity(id, operationName, input, options);
            return Task.CompletedTask;
        }

        public override Task<IAsyncDisposable> LockEntitiesAsync(IEnumerable<EntityInstanceId> entityIds) => context.LockEntities(entityIds);

        public override bool InCriticalSection(out IReadOnlyList<EntityInstanceId> entityIds)
        {
            entityIds = (IReadOnlyList<EntityInstanceId>?)context._locked ?? [];
            return context._locked is not null;
        }
    }
}
