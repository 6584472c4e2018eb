using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace LocalRuntime.Functions.Telemetry;

/// <summary>
/// The host's OpenTelemetry pipeline. Its sources (the public listener's requests, invocation spans, and whatever extensions add
/// with <c>ConfigureOpenTelemetryTracerProvider</c>, such as DTFx's orchestration and activity spans) always join a tracer
/// provider when there is one; the host builds one itself only when an exporter is configured, with the settings the app's
/// worker reads too (so one local.settings.json sends host and worker to the same place):
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> (OTLP, the standard <c>OTEL_*</c> variables apply), <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c>
/// (Azure Monitor), <c>LocalRuntime:Telemetry:Console=true</c> (console, for development). Without one nothing listens, so
/// nothing is recorded.
/// </summary>
public static class HostTelemetryServiceCollectionExtensions
{
    /// <summary>The setting that turns the console exporter on.</summary>
    public const string ConsoleSetting = "LocalRuntime:Telemetry:Console";

    // The worker's long-lived host-worker stream would be one span as long as the worker's life: not a request anyone reads.
    private static readonly PathString RpcStream = new("/AzureFunctionsRpcMessages.FunctionRpc");

    /// <summary>Registers the host's sources and meters, and the exporters <paramref name="configuration"/> names.</summary>
    public static IServiceCollection AddHostTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.ConfigureOpenTelemetryTracerProvider(tracing => tracing
            .AddSource(HostTelemetry.ActivitySourceName)
            .AddAspNetCoreInstrumentation(aspnet =>
            {
                aspnet.Filter = http => !http.Request.Path.StartsWithSegments(RpcStream, StringComparison.Ordinal);
                // The query string may carry a function key (?code=): never recorded.
                aspnet.EnrichWithHttpRequest = (activity, request) => activity.SetTag("url.query", null);
            }));
        services.ConfigureOpenTelemetryMeterProvider(metrics => metrics
            .AddMeter(HostTelemetry.MeterName)
            .AddAspNetCoreInstrumentation());

        var otlp = !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var azureMonitor = configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"] is { Length: > 0 };
        var console = string.Equals(configuration[ConsoleSetting], "true", StringComparison.OrdinalIgnoreCase);
        if (!otlp && !azureMonitor && !console)
        {
            return services;
        }

        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(
                configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } name ? name : "LocalRuntime.Host",
                serviceVersion: typeof(HostTelemetry).Assembly.GetName().Version?.ToString()))
            .WithTracing(_ => { })
            .WithMetrics(_ => { });
        if (otlp)
        {
            telemetry.UseOtlpExporter();
        }

        if (azureMonitor)
        {
            telemetry.UseAzureMonitorExporter(monitor => monitor.ConnectionString = configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"]);
        }

        if (console)
        {
            telemetry.WithTracing(tracing => tracing.AddConsoleExporter()).WithMetrics(metrics => metrics.AddConsoleExporter());
        }

        return services;
    }
}
