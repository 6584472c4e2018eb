using LocalRuntime.Durable.Backends;
using LocalRuntime.Functions.Extensibility;
using LocalRuntime.Functions.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LocalRuntime.Durable.Hosting;

/// <summary>Registers Durable with the local Functions host.</summary>
public static class DurableServiceCollectionExtensions
{
    /// <summary>
    /// Adds the Durable extension: options from host.json <c>extensions:durableTask</c> and <c>LocalRuntime:*</c> settings in
    /// <paramref name="configuration"/>, the configured backend, the worker dispatch, the client sidecar and the management API.
    /// </summary>
    public static IServiceCollection AddDurableTask(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddSingleton(_ => DurableHostOptions.FromConfiguration(configuration.GetExtensionSection("durableTask"), configuration));
        services.AddSingleton(sp => new DurableExtension(
            sp.GetRequiredService<DurableHostOptions>(),
            DurableBackendFactory.Create(
                sp.GetRequiredService<DurableHostOptions>(),
                configuration,
                sp.GetService<TimeProvider>() ?? TimeProvider.System,
                sp.GetRequiredService<ILoggerFactory>()),
            configuration["FunctionKeys:Default"] ?? configuration["FunctionKeys:Master"],
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton<IHostExtension>(sp => sp.GetRequiredService<DurableExtension>());
        return services;
    }
}
