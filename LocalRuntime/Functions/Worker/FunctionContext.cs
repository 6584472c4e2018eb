using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Microsoft.Azure.Functions.Worker;

/// <summary>Describes a function.</summary>
public abstract class FunctionDefinition
{
    /// <summary>The function name.</summary>
    public abstract string Name { get; }

    /// <summary>A stable id of the function.</summary>
    public abstract string Id { get; }

    /// <summary>The entry point (type and method).</summary>
    public abstract string EntryPoint { get; }
}

/// <summary>What a function invocation knows about itself.</summary>
public abstract class FunctionContext
{
    /// <summary>The invocation id.</summary>
    public abstract string InvocationId { get; }

    /// <summary>The function id.</summary>
    public abstract string FunctionId { get; }

    /// <summary>The function's definition.</summary>
    public abstract FunctionDefinition FunctionDefinition { get; }

    /// <summary>The invocation's scoped services.</summary>
    public abstract IServiceProvider InstanceServices { get; set; }

    /// <summary>Per-invocation items shared with middleware.</summary>
    public abstract IDictionary<object, object> Items { get; set; }

    /// <summary>Signalled when the host shuts down or the caller goes away.</summary>
    public abstract CancellationToken CancellationToken { get; }
}

/// <summary>Logger helpers on <see cref="FunctionContext"/>.</summary>
public static class FunctionContextLoggerExtensions
{
    /// <summary>A logger for a category.</summary>
    public static ILogger GetLogger(this FunctionContext context, string categoryName) =>
        context.InstanceServices.GetRequiredService<ILoggerFactory>().CreateLogger(categoryName);

    /// <summary>A logger for a type.</summary>
    public static ILogger<T> GetLogger<T>(this FunctionContext context) =>
        context.InstanceServices.GetRequiredService<ILogger<T>>();
}
