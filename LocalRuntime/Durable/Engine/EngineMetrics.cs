using System.Diagnostics.Metrics;

namespace LocalRuntime.Durable.Engine;

/// <summary>
/// The engine's load as observable gauges on the <c>LocalRuntime.Durable</c> meter (picked up by
/// OpenTelemetry or any <see cref="MeterListener"/>): the activity pool's size and business, backlogs,
/// cached orchestrations and pending timers, tagged with the task hub.
/// </summary>
public sealed class EngineMetrics : IDisposable
{
    /// <summary>The meter name.</summary>
    public const string MeterName = "LocalRuntime.Durable";

    private readonly Meter _meter;

    /// <summary>Publishes the gauges of one engine.</summary>
    public EngineMetrics(DurableEngine engine)
    {
        ArgumentNullException.ThrowIfNull(engine);
        _meter = new Meter(MeterName);
        var hub = new KeyValuePair<string, object?>("task_hub", engine.Options.HubName);
        _meter.CreateObservableGauge("localruntime.activity_workers", () => new Measurement<int>(engine.GetStatistics().ActivityWorkers, hub), "{worker}", "Activity workers alive (the pool grows with backlog and shrinks when idle).");
        _meter.CreateObservableGauge("localruntime.activity_workers.busy", () => new Measurement<int>(engine.GetStatistics().BusyActivityWorkers, hub), "{worker}", "Activity workers running an activity.");
        _meter.CreateObservableGauge("localruntime.activity_backlog", () => new Measurement<int>(engine.GetStatistics().ActivityBacklog, hub), "{activity}", "Activities waiting for a worker.");
        _meter.CreateObservableGauge("localruntime.orchestrations.ready", () => new Measurement<int>(engine.GetStatistics().ReadyOrchestrations, hub), "{instance}", "Instances with messages waiting for an episode.");
        _meter.CreateObservableGauge("localruntime.orchestrations.cached", () => new Measurement<int>(engine.GetStatistics().CachedOrchestrations, hub), "{instance}", "Orchestrations kept in memory between episodes.");
        _meter.CreateObservableGauge("localruntime.timers.pending", () => new Measurement<int>(engine.GetStatistics().PendingTimers, hub), "{timer}", "Durable timers not yet due.");
    }

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}
