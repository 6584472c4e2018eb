using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using ServerlessTasks.Activities.Events;
using ServerlessTasks.Activities.Telemetry;

namespace ServerlessTasks.Functions.Telemetry;

/// <summary>
/// The app's OpenTelemetry pipeline (traces, metrics, logs), built only when an exporter is configured, so a deployment or
/// a local run without one records nothing:
/// <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> (Azure Monitor), <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> (OTLP; the standard
/// <c>OTEL_*</c> variables apply: protocol, headers, batch delay, metric interval), <c>Telemetry:Console=true</c> (console,
/// for development). The worker's invocation spans parent on the trace context the host sends with each invocation, so one
/// trace follows a workflow from the HTTP request through the host, the worker, the orchestration and each activity to the
/// webhook (whose <c>traceparent</c> the receiver gets).
/// </summary>
public static class AppTelemetry
{
    /// <summary>The setting that turns the console exporter on.</summary>
    public const string ConsoleSetting = "Telemetry:Console";

    /// <summary>The service name when <c>OTEL_SERVICE_NAME</c> does not set one.</summary>
    public const string DefaultServiceName = "ServerlessTasks";

    // The Durable Task SDK's spans (client create/raise, orchestration and activity execution when it runs them).
    private const string DurableTaskSource = "Microsoft.DurableTask";

    /// <summary>True when <paramref name="configuration"/> names at least one exporter.</summary>
    public static bool IsConfigured(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"])
            || !string.IsNullOrWhiteSpace(configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"])
            || string.Equals(configuration[ConsoleSetting], "true", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Adds the pipeline and the exporters <paramref name="configuration"/> names; nothing when it names none.</summary>
    public static IServiceCollection AddServerlessTasksTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        if (!IsConfigured(configuration))
        {
            return services;
        }

        var telemetry = services.AddOpenTelemetry()
            .UseFunctionsWorkerDefaults()
            .ConfigureResource(resource => resource.AddService(
                configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } name ? name : DefaultServiceName,
                serviceVersion: typeof(AppTelemetry).Assembly.GetName().Version?.ToString()))
            .WithTracing(tracing => tracing
                .AddSource(TaskTelemetry.Name, DurableTaskSource)
                .AddHttpClientInstrumentation(http =>
                {
                    // The worker's own gRPC calls to the host (Durable sidecar) are spans too: they carry the trace to the host.
                    // Query strings may carry keys or tokens: never recorded.
                    http.EnrichWithHttpRequestMessage = (activity, request) => activity.SetTag("url.full", request.RequestUri?.GetLeftPart(UriPartial.Path));
                }))
            .WithMetrics(metrics => metrics
                .AddMeter(TaskTelemetry.Name, TaskEventMetrics.MeterName)
                .AddHttpClientInstrumentation())
            .WithLogging(logging => { }, options =>
            {
                // Scopes carry the invocation and Durable instance ids; the formatted message is what people read.
                options.IncludeScopes = true;
                options.IncludeFormattedMessage = true;
            });

        if (!string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            telemetry.UseOtlpExporter();
        }

        if (configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"] is { Length: > 0 } connection)
        {
            telemetry.UseAzureMonitorExporter(monitor => monitor.ConnectionString = connection);
        }

        if (string.Equals(configuration[ConsoleSetting], "true", StringComparison.OrdinalIgnoreCase))
        {
            telemetry
                .WithTracing(tracing => tracing.AddConsoleExporter())
                .WithMetrics(metrics => metrics.AddConsoleExporter())
                .WithLogging(logging => logging.AddConsoleExporter());
        }

        return services;
    }
}
