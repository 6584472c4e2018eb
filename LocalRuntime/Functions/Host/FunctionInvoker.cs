using System.Linq.Expressions;
using System.Reflection;
using LocalRuntime.Durable.Engine;
using LocalRuntime.Functions.Queues;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace LocalRuntime.Functions.Host;

/// <summary>What one invocation can bind parameters from.</summary>
internal sealed class InvocationBindings
{
    public required FunctionContext FunctionContext { get; init; }

    public HttpContext? HttpContext { get; init; }

    public TaskOrchestrationContext? OrchestrationContext { get; init; }

    /// <summary>The trigger's payload as JSON (activity input, queue message).</summary>
    public string? TriggerJson { get; init; }

    /// <summary>A trigger value bound as is (TimerInfo, entity dispatcher).</summary>
    public object? TriggerValue { get; init; }
}

/// <summary>
/// Calls one function method: binds its parameters, creates its class (with DI) for instance methods,
/// and unwraps <see cref="Task"/>/<see cref="ValueTask"/> results. Built once per function.
/// </summary>
internal sealed class FunctionInvoker
{
    private readonly Func<InvocationBindings, object?>[] _binders;
    private readonly ObjectFactory? _factory;
    private readonly Func<object, object?>? _taskResult;
    private readonly bool _returnsTask;
    private readonly bool _returnsValueTask;
    private readonly OutputBinder? _outputs;

    public FunctionInvoker(FunctionDescriptor descriptor, DurableTaskClient client, OutputBinder? outputs = null)
    {
        Descriptor = descriptor;
        _outputs = outputs;
        var method = descriptor.Method;
        _binders = [.. method.GetParameters().Select(p => CreateBinder(descriptor, p, client))];
        if (!method.IsStatic)
        {
            _factory = ActivatorUtilities.CreateFactory(method.DeclaringType!, Type.EmptyTypes);
        }

        var returnType = method.ReturnType;
        if (returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(ValueTask<>))
        {
            _returnsValueTask = true;
            _taskResult = ResultGetter(typeof(Task<>).MakeGenericType(returnType.GetGenericArguments()[0]));
        }
        else if (returnType == typeof(ValueTask))
        {
            _returnsValueTask = true;
        }
        else if (typeof(Task).IsAssignableFrom(returnType))
        {
            _returnsTask = true;
            _taskResult = returnType.IsGenericType ? ResultGetter(returnType) : null;
        }
    }

    public FunctionDescriptor Descriptor { get; }

    /// <summary>Invokes the function and returns its (awaited) result.</summary>
    public async Task<object?> InvokeAsync(InvocationBindings bindings)
    {
        var args = new object?[_binders.Length];
        for (var i = 0; i < args.Length; i++)
        {
            args[i] = _binders[i](bindings);
        }

        var target = _factory?.Invoke(bindings.FunctionContext.InstanceServices, null);
        object? returned;
        try
        {
            returned = Descriptor.Method.Invoke(target, args);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex.InnerException).Throw();
            throw;
        }

        if (_returnsValueTask)
        {
            returned = returned switch
            {
                ValueTask vt => vt.AsTask(),
                _ => returned!.GetType().GetMethod(nameof(ValueTask<int>.AsTask))!.Invoke(returned, null),
            };
        }

        if (_returnsTask || _returnsValueTask)
        {
            var task = (Task)returned!;
            await task;
            returned = _taskResult?.Invoke(task);
        }

        return _outputs is null ? returned : await _outputs.ApplyAsync(returned, bindings.FunctionContext.CancellationToken);
    }

    private static Func<object, object?> ResultGetter(Type taskType)
    {
        var parameter = Expression.Parameter(typeof(object));
        var result = Expression.Property(Expression.Convert(parameter, taskType), nameof(Task<int>.Result));
        return Expression.Lambda<Func<object, object?>>(Expression.Convert(result, typeof(object)), parameter).Compile();
    }

    private static Func<InvocationBindings, object?> CreateBinder(FunctionDescriptor descriptor, ParameterInfo parameter, DurableTaskClient client)
    {
        var type = parameter.ParameterType;
        if (parameter.GetCustomAttribute<DurableClientAttribute>() is not null || type == typeof(DurableTaskClient))
        {
            return _ => client;
        }

        if (type == typeof(FunctionContext))
        {
            return b => b.FunctionContext;
        }

        if (type == typeof(CancellationToken))
        {
            return b => b.FunctionContext.CancellationToken;
        }

        if (parameter == descriptor.TriggerParameter)
        {
            return descriptor.Kind switch
            {
                FunctionKind.Http when type == typeof(HttpRequest) => b => b.HttpContext!.Request,
                FunctionKind.Http when type == typeof(HttpContext) => b => b.HttpContext,
                FunctionKind.Orchestrator => b => b.OrchestrationContext,
                FunctionKind.Activity when type == typeof(string) => b => JsonStringOrRaw(b.TriggerJson),
                FunctionKind.Activity => b => DataConverter.Deserialize(b.TriggerJson, type),
                FunctionKind.Queue when type == typeof(string) => b => ((QueueMessage)b.TriggerValue!).Body,
                FunctionKind.Queue when type == typeof(byte[]) => b => System.Text.Encoding.UTF8.GetBytes(((QueueMessage)b.TriggerValue!).Body),
                FunctionKind.Queue when type == typeof(QueueMessage) => b => b.TriggerValue,
                FunctionKind.Queue => b => DataConverter.Deserialize(((QueueMessage)b.TriggerValue!).Body, type),
                _ => b => b.TriggerValue,
            };
        }

        if (descriptor.Kind == FunctionKind.Queue && QueueMetadataBinder(parameter) is { } metadata)
        {
            return metadata;
        }

        if (descriptor.Kind == FunctionKind.Http)
        {
            // Route values bind by parameter name, as in Functions.
            var name = parameter.Name!;
            return b => ConvertRouteValue(b.HttpContext!.Request.RouteValues.TryGetValue(name, out var value) ? value : null, type, parameter);
        }

        return b => b.FunctionContext.InstanceServices.GetService(type)
            ?? throw new InvalidOperationException($"Cannot bind parameter '{parameter.Name}' of function '{descriptor.Name}'.");
    }

    /// <summary>Queue message metadata binds by parameter name (id, dequeueCount, insertionTime, nextVisibleTime, popReceipt).</summary>
    private static Func<InvocationBindings, object?>? QueueMetadataBinder(ParameterInfo parameter)
    {
        Func<QueueMessage, object?>? get = parameter.Name?.ToUpperInvariant() switch
        {
            "ID" => m => m.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "DEQUEUECOUNT" => m => m.DequeueCount,
            "INSERTIONTIME" => m => m.InsertedAt,
            "NEXTVISIBLETIME" => m => m.NextVisibleAt,
            "POPRECEIPT" => m => m.PopReceipt,
            _ => null,
        };
        if (get is null)
        {
            return null;
        }

        var type = Nullable.GetUnderlyingType(parameter.ParameterType) ?? parameter.ParameterType;
        return b =>
        {
            var value = get((QueueMessage)b.TriggerValue!);
            return value is null || type.IsInstanceOfType(value) ? value : Convert.ChangeType(value, type, System.Globalization.CultureInfo.InvariantCulture);
        };
    }

    private static string? JsonStringOrRaw(string? json)
    {
        if (json is null)
        {
            return null;
        }

        // Activity inputs are JSON; a JSON string binds as its value, anything else as its JSON text.
        return json.Length > 0 && json[0] == '"' ? DataConverter.Deserialize<string>(json) : json;
    }

    private static object? ConvertRouteValue(object? value, Type type, ParameterInfo parameter)
    {
        if (value is null)
        {
            return parameter.HasDefaultValue ? parameter.DefaultValue : null;
        }

        var target = Nullable.GetUnderlyingType(type) ?? type;
        return target == typeof(string) ? value.ToString() : Convert.ChangeType(value.ToString(), target, System.Globalization.CultureInfo.InvariantCulture);
    }
}
