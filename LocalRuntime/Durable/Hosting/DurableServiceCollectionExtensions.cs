using LocalRuntime.Durable.Backends;
using LocalRuntime.Durable.Client;
using LocalRuntime.Functions.Extensibility;
using LocalRuntime.Functions.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Trace;

namespace LocalRuntime.Durable.Hosting;

/// <summary>Registers Durable with the local Functions host.</summary>
public static class DurableServiceCollectionExtensions
{
    /// <summary>DTFx Core's ActivitySource (orchestration, activity, timer and event spans).</summary>
    public const string DurableTaskCoreSource = "DurableTask.Core";

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

        // Distributed tracing as Durable Functions does it: DTFx's orchestration and activity spans (their parents are the
        // ExecutionStartedEvent's and TaskScheduledEvent's trace contexts, so one trace crosses every durable hop) and the
        // sidecar's create_orchestration span. Joined to the host's tracer provider only when one exists (an exporter is set).
        services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddSource(DurableTaskCoreSource, DurableClientService.TracingSourceName));
        return services;
    }
}
