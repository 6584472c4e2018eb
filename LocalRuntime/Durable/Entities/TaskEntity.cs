using System.Collections.Concurrent;
using System.Reflection;

namespace Microsoft.DurableTask.Entities;

/// <summary>
/// An entity whose public instance methods are its operations, dispatched by name (case-insensitive).
/// A method takes at most one input parameter plus optional <see cref="TaskEntityContext"/> and
/// <see cref="TaskEntityOperation"/> parameters, and may return a value, a <see cref="Task"/> or a
/// <see cref="ValueTask"/>.
/// </summary>
/// <typeparam name="TState">The state type, loaded before and saved after each operation.</typeparam>
/// <remarks>
/// An operation named <c>delete</c> with no matching method deletes the state. An operation that throws
/// leaves the stored state as it was before the operation.
/// </remarks>
public abstract class TaskEntity<TState> : ITaskEntity
{
    private static readonly ConcurrentDictionary<(Type Type, string Name), MethodInfo?> Methods = new();

    /// <summary>The entity's state during an operation.</summary>
    protected TState State { get; set; } = default!;

    /// <summary>The entity's context during an operation.</summary>
    protected TaskEntityContext Context { get; private set; } = null!;

    /// <inheritdoc />
    public async ValueTask<object?> RunAsync(TaskEntityOperation operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        Context = operation.Context;
        var method = FindOperation(GetType(), operation.Name);
        if (method is null)
        {
            if (string.Equals(operation.Name, "delete", StringComparison.OrdinalIgnoreCase))
            {
                operation.State.SetState(null);
                return null;
            }

            throw new NotSupportedException($"Entity '{Context.Id.Name}' has no operation named '{operation.Name}'.");
        }

        State = operation.State.HasState && operation.State.GetState(typeof(TState)) is TState loaded
            ? loaded
            : InitializeState(operation);

        object? result;
        try
        {
            result = method.Invoke(this, BindArguments(method, operation));
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex.InnerException);
            throw;
        }

        result = await UnwrapAsync(result);
        operation.State.SetState(State);
        return result;
    }

    /// <summary>The state an entity starts with; a new <typeparamref name="TState"/> when it has a parameterless constructor, else default.</summary>
    protected virtual TState InitializeState(TaskEntityOperation entityOperation)
    {
        var type = typeof(TState);
        if (!type.IsValueType && type.GetConstructor(Type.EmptyTypes) is null)
        {
            return default!;
        }

        return (TState)Activator.CreateInstance(type)!;
    }

    private static MethodInfo? FindOperation(Type type, string name) =>
        Methods.GetOrAdd((type, name), static key =>
        {
            var candidates = key.Type
                .GetMethods(BindingFlags.Public | BindingFlags.Instance)
                .Where(m => m.DeclaringType != typeof(object) && !m.IsSpecialName && !m.IsGenericMethodDefinition
                    && !IsBaseMember(m)
                    && string.Equals(m.Name, key.Name, StringComparison.OrdinalIgnoreCase))
                .ToList();
            return candidates.Count switch
            {
                0 => null,
                1 => candidates[0],
                _ => throw new AmbiguousMatchException($"Entity type '{key.Type.Name}' has {candidates.Count} operations named '{key.Name}'."),
            };
        });

    private static bool IsBaseMember(MethodInfo method) =>
        method.DeclaringType is { IsGenericType: true } declaring && declaring.GetGenericTypeDefinition() == typeof(TaskEntity<>);

    private static object?[] BindArguments(MethodInfo method, TaskEntityOperation operation)
    {
        var parameters = method.GetParameters();
        if (parameters.Length == 0)
        {
            return [];
        }

        var arguments = new object?[parameters.Length];
        var inputBound = false;
        for (var i = 0; i < parameters.Length; i++)
        {
            var type = parameters[i].ParameterType;
            if (type == typeof(TaskEntityContext))
            {
                arguments[i] = operation.Context;
            }
            else if (type == typeof(TaskEntityOperation))
            {
                arguments[i] = operation;
            }
            else if (!inputBound)
            {
                inputBound = true;
                arguments[i] = operation.HasInput
                    ? operation.GetInput(type)
                    : parameters[i].HasDefaultValue ? parameters[i].DefaultValue : DefaultOf(type);
            }
            else
            {
                throw new NotSupportedException($"Entity operation '{method.Name}' has more than one input parameter.");
            }
        }

        return arguments;
    }

    private static object? DefaultOf(Type type) => type.IsValueType ? Activator.CreateInstance(type) : null;

    private static async ValueTask<object?> UnwrapAsync(object? result)
    {
        switch (result)
        {
            case Task task:
                await task;
                var taskType = task.GetType();
                return taskType.IsGenericType && taskType.GetProperty("Result") is { } property && property.PropertyType.Name != "VoidTaskResult"
                    ? property.GetValue(task)
                    : null;
            case ValueTask valueTask:
                await valueTask;
                return null;
            case null:
                return null;
        }

        var type = result.GetType();
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(ValueTask<>))
        {
            var asTask = (Task)type.GetMethod(nameof(ValueTask<int>.AsTask))!.Invoke(result, null)!;
            return await UnwrapAsync(asTask);
        }

        return result;
    }
}
