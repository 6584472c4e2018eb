using Microsoft.AspNetCore.Builder;

namespace LocalRuntime.Functions.Extensibility;

/// <summary>Conventions for the endpoints an extension maps (<see cref="IHostExtension.MapEndpoints"/>).</summary>
public static class EndpointConventionBuilderExtensions
{
    /// <summary>
    /// Requires a function key for <paramref name="level"/> on these endpoints (as Durable's management API needs the
    /// system or master key in Azure); keys are enforced only when configured (<c>FunctionKeys:Default</c>, <c>FunctionKeys:Master</c>).
    /// </summary>
    public static TBuilder RequireFunctionKey<TBuilder>(this TBuilder builder, FunctionAuthorizationLevel level)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Add(endpoint => endpoint.Metadata.Add(new FunctionAuthorizationMetadata(level)));
        return builder;
    }
}
