using System.Reflection;
using Microsoft.Azure.Functions.Worker;

namespace LocalRuntime.Functions.Host;

/// <summary>What triggers a function.</summary>
public enum FunctionKind
{
    /// <summary>An HTTP request.</summary>
    Http,
    /// <summary>An orchestration episode.</summary>
    Orchestrator,
    /// <summary>An activity invocation.</summary>
    Activity,
    /// <summary>An entity operation batch.</summary>
    Entity,
    /// <summary>A queue message.</summary>
    Queue,
    /// <summary>A schedule.</summary>
    Timer,
}

/// <summary>A discovered function: its name, method and trigger.</summary>
public sealed record FunctionDescriptor(string Name, FunctionKind Kind, MethodInfo Method, ParameterInfo TriggerParameter, Attribute Trigger)
{
    /// <summary>The HTTP trigger, for HTTP functions.</summary>
    public HttpTriggerAttribute? Http => Trigger as HttpTriggerAttribute;
}

/// <summary>Finds functions in an assembly by their <see cref="FunctionAttribute"/>, as the Functions SDK's metadata generator does.</summary>
public static class FunctionCatalog
{
    /// <summary>All functions of the assembly; duplicate names and missing triggers are errors.</summary>
    public static IReadOnlyList<FunctionDescriptor> Discover(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        var functions = new List<FunctionDescriptor>();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var flags = BindingFlags.Public | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;
        foreach (var type in assembly.GetTypes().Where(t => t.IsClass))
        {
            foreach (var method in type.GetMethods(flags))
            {
                var function = method.GetCustomAttribute<FunctionAttribute>();
                if (function is null)
                {
                    continue;
                }

                var descriptor = Describe(function.Name, method);
                if (!names.Add(descriptor.Name))
                {
                    throw new InvalidOperationException($"Two functions are named '{descriptor.Name}'; function names must be unique.");
                }

                functions.Add(descriptor);
            }
        }

        return functions;
    }

    private static FunctionDescriptor Describe(string name, MethodInfo method)
    {
        foreach (var parameter in method.GetParameters())
        {
            foreach (var attribute in parameter.GetCustomAttributes())
            {
                FunctionKind? kind = attribute switch
                {
                    HttpTriggerAttribute => FunctionKind.Http,
                    OrchestrationTriggerAttribute => FunctionKind.Orchestrator,
                    ActivityTriggerAttribute => FunctionKind.Activity,
                    EntityTriggerAttribute => FunctionKind.Entity,
                    QueueTriggerAttribute => FunctionKind.Queue,
                    TimerTriggerAttribute => FunctionKind.Timer,
                    _ => null,
                };
                if (kind is { } k)
                {
                    var triggerName = attribute switch
                    {
                        OrchestrationTriggerAttribute o => o.Orchestration,
                        ActivityTriggerAttribute a => a.Activity,
                        EntityTriggerAttribute e => e.EntityName,
                        _ => null,
                    };
                    return new FunctionDescriptor(triggerName ?? name, k, method, parameter, attribute);
                }
            }
        }

        throw new InvalidOperationException($"Function '{name}' ({method.DeclaringType?.FullName}.{method.Name}) has no trigger parameter.");
    }
}
