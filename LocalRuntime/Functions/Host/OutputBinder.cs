using System.Collections;
using System.Reflection;
using LocalRuntime.Durable.Engine;
using LocalRuntime.Functions.Queues;
using Microsoft.Azure.Functions.Worker;

namespace LocalRuntime.Functions.Host;

/// <summary>
/// Output bindings of one function: <see cref="QueueOutputAttribute"/> on the method (its return value) or on
/// properties of a multi-output return type, whose <see cref="HttpResultAttribute"/> property is the HTTP response.
/// </summary>
internal sealed class OutputBinder
{
    private readonly IQueueStore _queues;
    private readonly string? _returnQueue;
    private readonly (PropertyInfo Property, string Queue)[] _queueProperties;
    private readonly PropertyInfo? _httpResult;

    private OutputBinder(IQueueStore queues, string? returnQueue, (PropertyInfo, string)[] queueProperties, PropertyInfo? httpResult)
    {
        _queues = queues;
        _returnQueue = returnQueue;
        _queueProperties = queueProperties;
        _httpResult = httpResult;
    }

    /// <summary>The binder of a function; null when it has no output bindings.</summary>
    public static OutputBinder? Create(FunctionDescriptor function, IQueueStore queues, AppSettingResolver names)
    {
        var method = function.Method;
        var where = $"Function '{function.Name}'";
        var onReturn = method.GetCustomAttribute<QueueOutputAttribute>() ?? method.ReturnParameter.GetCustomAttribute<QueueOutputAttribute>();
        var returnQueue = onReturn is null ? null : QueueNames.Validate(names.Resolve(onReturn.QueueName, where), where);
        var type = UnwrapTask(method.ReturnType);
        var properties = new List<(PropertyInfo, string)>();
        PropertyInfo? httpResult = null;
        if (returnQueue is null && type is not null && type != typeof(string) && !type.IsPrimitive)
        {
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                if (property.GetCustomAttribute<QueueOutputAttribute>() is { } output)
                {
                    properties.Add((property, QueueNames.Validate(names.Resolve(output.QueueName, where), where)));
                }
                else if (property.GetCustomAttribute<HttpResultAttribute>() is not null)
                {
                    httpResult = property;
                }
            }
        }

        if (function.Kind == FunctionKind.Orchestrator && (returnQueue is not null || properties.Count > 0))
        {
            throw new InvalidOperationException($"{where}: orchestrators cannot have output bindings (they would run on every replay).");
        }

        return returnQueue is null && properties.Count == 0 && httpResult is null
            ? null
            : new OutputBinder(queues, returnQueue, [.. properties], httpResult);
    }

    /// <summary>Sends the outputs of a result; returns what the trigger answers with (the HTTP result of a multi-output type).</summary>
    public async Task<object?> ApplyAsync(object? result, CancellationToken cancellation)
    {
        if (result is null)
        {
            return null;
        }

        if (_returnQueue is not null)
        {
            await EnqueueAsync(_returnQueue, result, cancellation);
            return result;
        }

        foreach (var (property, queue) in _queueProperties)
        {
            await EnqueueAsync(queue, property.GetValue(result), cancellation);
        }

        return _httpResult is null ? null : _httpResult.GetValue(result);
    }

    private async Task EnqueueAsync(string queue, object? value, CancellationToken cancellation)
    {
        switch (value)
        {
            case null:
                return;
            case string text:
                await _queues.EnqueueAsync(queue, text, cancellation: cancellation);
                return;
            case byte[] bytes:
                await _queues.EnqueueAsync(queue, System.Text.Encoding.UTF8.GetString(bytes), cancellation: cancellation);
                return;
            case IEnumerable many and not IDictionary:
                // A collection is one message per element, as with Functions' output bindings.
                foreach (var item in many)
                {
                    await EnqueueAsync(queue, item, cancellation);
                }

                return;
            default:
                await _queues.EnqueueAsync(queue, DataConverter.Serialize(value)!, cancellation: cancellation);
                return;
        }
    }

    private static Type? UnwrapTask(Type type)
    {
        if (type == typeof(void) || type == typeof(Task) || type == typeof(ValueTask))
        {
            return null;
        }

        if (type.IsGenericType && (type.GetGenericTypeDefinition() == typeof(Task<>) || type.GetGenericTypeDefinition() == typeof(ValueTask<>)))
        {
            return type.GetGenericArguments()[0];
        }

        return type;
    }
}
