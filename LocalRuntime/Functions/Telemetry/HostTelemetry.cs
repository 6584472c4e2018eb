using System.Diagnostics;
using System.Diagnostics.Metrics;
using LocalRuntime.Functions.Extensibility;

namespace LocalRuntime.Functions.Telemetry;

/// <summary>
/// The local host's own traces and metrics: one <c>invoke {function}</c> span per invocation it sends to the worker (its
/// context is the <c>InvocationRequest.trace_context</c> the worker parents its own span on, as the Functions host sends it)
/// and the host/worker protocol latency. Static, as the ActivitySource and Meter of a library are: an OpenTelemetry pipeline
/// (or any listener) subscribes by name.
/// </summary>
public static class HostTelemetry
{
    /// <summary>The ActivitySource of invocation spans.</summary>
    public const string ActivitySourceName = "LocalRuntime.Functions";

    /// <summary>The Meter of the host/worker protocol instruments.</summary>
    public const string MeterName = "LocalRuntime.Functions";

    /// <summary>Invocation round trip: the request written to the worker's stream until its response was read (seconds).</summary>
    public const string InvocationDuration = "localruntime.worker.invocation.duration";

    /// <summary>A <c>WorkerStatusRequest</c> round trip, the protocol's latency without any function work (seconds).</summary>
    public const string ProbeDuration = "localruntime.worker.probe.duration";

    /// <summary>Invocations sent to the worker and not answered yet.</summary>
    public const string InvocationsActive = "localruntime.worker.invocations.active";

    internal static readonly ActivitySource Source = new(ActivitySourceName);

    private static readonly Meter Meter = new(MeterName);

    // Round trips are milliseconds or less; the default boundaries (from 5 ms) would put them all in one bucket.
    private static readonly InstrumentAdvice<double> LatencyBuckets = new()
    {
        HistogramBucketBoundaries = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    };

    private static readonly Histogram<double> Invocations = Meter.CreateHistogram(
        InvocationDuration, "s", "Host/worker invocation round trip (request written to the worker's stream until its response was read).", advice: LatencyBuckets);

    private static readonly Histogram<double> Probes = Meter.CreateHistogram(
        ProbeDuration, "s", "WorkerStatusRequest round trip: the host/worker protocol latency without function work.", advice: LatencyBuckets);

    private static readonly UpDownCounter<long> Active = Meter.CreateUpDownCounter<long>(
        InvocationsActive, "{invocation}", "Invocations sent to the worker and not answered yet.");

    /// <summary>
    /// Starts the host's span of one invocation (kind Client: the host calls the worker), a child of the current activity
    /// (the HTTP request, DTFx's orchestration or activity span); null when nobody listens.
    /// </summary>
    internal static Activity? StartInvocation(FunctionDescriptor function, string invocationId)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var activity = Source.StartActivity($"invoke {function.Name}", ActivityKind.Client);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("faas.invoked_name", function.Name);
            activity.SetTag("faas.invocation_id", invocationId);
            activity.SetTag("faas.trigger", FaasTrigger(function.Trigger.Type));
            activity.SetTag("localruntime.trigger_type", function.Trigger.Type);
        }

        return activity;
    }

    /// <summary>Times one invocation round trip; dispose the result when the response (or the failure) came back.</summary>
    internal static InvocationTimer TimeInvocation(FunctionDescriptor function) => new(function, Stopwatch.GetTimestamp());

    /// <summary>Records one status probe's round trip.</summary>
    internal static void RecordProbe(TimeSpan elapsed) => Probes.Record(elapsed.TotalSeconds);

    /// <summary>The OpenTelemetry <c>faas.trigger</c> value of a Functions binding type.</summary>
    internal static string FaasTrigger(string bindingType) => bindingType.ToLowerInvariant() switch
    {
        "httptrigger" => "http",
        "timertrigger" => "timer",
        "queuetrigger" or "servicebustrigger" or "eventhubtrigger" => "pubsub",
        "blobtrigger" or "cosmosdbtrigger" => "datasource",
        _ => "other",
    };

    /// <summary>One invocation in flight: counted as active until it ends, then its round trip is recorded with its outcome.</summary>
    internal readonly struct InvocationTimer
    {
        private readonly FunctionDescriptor _function;
        private readonly long _started;

        internal InvocationTimer(FunctionDescriptor function, long started)
        {
            _function = function;
            _started = started;
            Active.Add(1, new KeyValuePair<string, object?>("faas.invoked_name", function.Name));
        }

        /// <summary>Records the round trip; <paramref name="outcome"/> is <c>success</c>, <c>failure</c>, <c>timeout</c>, <c>unavailable</c> or <c>cancelled</c>.</summary>
        public void Stop(string outcome)
        {
            Active.Add(-1, new KeyValuePair<string, object?>("faas.invoked_name", _function.Name));
            Invocations.Record(
                Stopwatch.GetElapsedTime(_started).TotalSeconds,
                new KeyValuePair<string, object?>("faas.invoked_name", _function.Name),
                new KeyValuePair<string, object?>("localruntime.trigger_type", _function.Trigger.Type),
                new KeyValuePair<string, object?>("outcome", outcome));
        }
    }
}
