using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using LocalRuntime.Functions.Hosting;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using ServerlessTasks.Tests;
using ServerlessTasks.Tests.Callbacks;

namespace ServerlessTasks.Dashboard.Tests.Telemetry;

/// <summary>
/// The host in this process exports to OpenTelemetry's in-memory exporter; the worker (a child process) exports OTLP over
/// HTTP to <see cref="OtlpSink"/>, which keeps the raw protobuf bodies (span and trace ids are in them as raw bytes, names as
/// UTF-8, so a byte search finds them without an OTLP decoder). A webhook receiver records each delivery's traceparent.
/// </summary>
public sealed class TracingAppHost : AppHost
{
    public List<Activity> Spans { get; } = [];

    public List<Metric> Metrics { get; } = [];

    public OtlpSink Worker { get; private set; } = null!;

    public WebhookReceiver Receiver { get; private set; } = null!;

    public ConcurrentQueue<string?> WebhookTraceparents { get; } = new();

    public override async Task InitializeAsync()
    {
        Worker = await OtlpSink.StartAsync();
        Receiver = await WebhookReceiver.StartAsync();
        Receiver.Respond = (_, context) =>
        {
            WebhookTraceparents.Enqueue(context.Request.Headers["traceparent"].FirstOrDefault());
            context.Response.StatusCode = 200;
            return Task.CompletedTask;
        };
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Receiver.DisposeAsync();
        await Worker.DisposeAsync();
    }

    protected override IEnumerable<KeyValuePair<string, string>> WorkerSettings() =>
    [
        new("OTEL_EXPORTER_OTLP_ENDPOINT", Worker.BaseUrl.ToString().TrimEnd('/')),
        new("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
        new("OTEL_BSP_SCHEDULE_DELAY", "200"),
        new("OTEL_METRIC_EXPORT_INTERVAL", "500"),
        new("OTEL_SERVICE_NAME", "serverlesstasks-test-worker"),
    ];

    protected override void Configure(LocalFunctionsHostBuilder builder)
    {
        // The host's pipeline with the in-memory exporter: its sources (requests, invocations, DTFx) join it as configured.
        builder.Services.AddOpenTelemetry()
            .WithTracing(tracing => tracing.AddInMemoryExporter(Spans))
            .WithMetrics(metrics => metrics.AddInMemoryExporter(Metrics));
    }

    /// <summary>Flushes the host's providers into <see cref="Spans"/> and <see cref="Metrics"/>.</summary>
    public void Flush()
    {
        Host.Services.GetRequiredService<TracerProvider>().ForceFlush(10_000);
        Host.Services.GetRequiredService<MeterProvider>().ForceFlush(10_000);
    }
}

/// <summary>An OTLP/HTTP receiver on 127.0.0.1:0 that answers 200 and keeps each body by signal (traces, metrics, logs).</summary>
public sealed class OtlpSink : IAsyncDisposable
{
    private readonly WebApplication _app;

    private OtlpSink(WebApplication app) => _app = app;

    public Uri BaseUrl { get; private set; } = null!;

    public ConcurrentQueue<(string Path, byte[] Body)> Bodies { get; } = new();

    public static async Task<OtlpSink> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var sink = new OtlpSink(app);
        app.Run(async context =>
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
            sink.Bodies.Enqueue((context.Request.Path, buffer.ToArray()));
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/x-protobuf";
        });
        await app.StartAsync();
        sink.BaseUrl = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return sink;
    }

    /// <summary>True when a body sent to <paramref name="path"/> contains <paramref name="bytes"/>.</summary>
    public bool Contains(string path, ReadOnlySpan<byte> bytes)
    {
        foreach (var (p, body) in Bodies)
        {
            if (p == path && body.AsSpan().IndexOf(bytes) >= 0)
            {
                return true;
            }
        }

        return false;
    }

    public bool Contains(string path, string text) => Contains(path, System.Text.Encoding.UTF8.GetBytes(text));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>
/// One trace from the HTTP request through host, worker, orchestration and activities to the webhook, with the parent links
/// across the host/worker boundary; and the host's and the app's metrics.
/// </summary>
public sealed class TracingTests(TracingAppHost app) : IClassFixture<TracingAppHost>
{
    [Fact]
    public async Task SubmitWorkflow_WithExporters_OneTraceFromRequestToWebhook()
    {
        var url = app.Receiver.Url("/traced");
        await app.SubmitAsync($$"""{"workflow_id": "traced-1", "callback": {"url": "{{url}}", "token": "t"}, "tasks": [{"task_id": "a", "task_type": "echo", "payload": 1}, {"task_id": "b", "task_type": "echo", "payload": 2, "dependencies": ["a"]}]}""");
        await app.WaitForWorkflowAsync("traced-1");
        await WaitAsync(() => !app.WebhookTraceparents.IsEmpty, "the webhook");

        app.Flush();
        var spans = app.Spans.ToList();
        string Describe() => string.Join(Environment.NewLine, spans.Select(s => $"{s.TraceId} {s.SpanId} <- {s.ParentSpanId} {s.Source.Name}: {s.DisplayName}"));

        // The client's request, as the host served it, and the host's invocation of SubmitWorkflow under it.
        var request = spans.Single(s => s.Kind == ActivityKind.Server && s.Source.Name == "Microsoft.AspNetCore" && (s.GetTagItem("url.path") as string) == "/api/workflows");
        var trace = request.TraceId;
        var inTrace = spans.Where(s => s.TraceId == trace).ToList();
        var submit = inTrace.Single(s => s.DisplayName == "invoke SubmitWorkflow");
        Assert.Equal(request.SpanId, submit.ParentSpanId);

        // Host -> worker: the worker's spans name the host's invocation span as their parent (its id is in the worker's export).
        await WaitAsync(() => app.Worker.Contains("/v1/traces", IdBytes(submit.SpanId.ToHexString())), "the worker's span under the host's invocation");

        // Worker -> host: the orchestration (DTFx, on the host) is in the same trace, its parent a span the host does not have
        // (the worker's Durable client call), and the host invokes the orchestrator and each activity under DTFx's spans.
        var orchestration = inTrace.First(s => s.Source.Name == "DurableTask.Core" && s.DisplayName.Contains("WorkflowOrchestrator", StringComparison.Ordinal));
        var hostSpanIds = spans.Select(s => s.SpanId).ToHashSet();
        var top = Ancestors(orchestration, spans).LastOrDefault() ?? orchestration;
        Assert.DoesNotContain(top.ParentSpanId, hostSpanIds);
        Assert.True(app.Worker.Contains("/v1/traces", IdBytes(top.ParentSpanId.ToHexString())), $"the orchestration's chain leaves the host at {top.DisplayName}, whose parent is not the worker's{Environment.NewLine}{Describe()}");
        Assert.Contains(inTrace, s => s.DisplayName == "invoke WorkflowOrchestrator" && s.ParentSpanId == orchestration.SpanId);
        var activities = inTrace.Where(s => s.Source.Name == "DurableTask.Core" && s.Kind == ActivityKind.Server && s.DisplayName.StartsWith("activity", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(activities);
        foreach (var activity in activities)
        {
            Assert.True(inTrace.Any(s => s.DisplayName.StartsWith("invoke ", StringComparison.Ordinal) && s.ParentSpanId == activity.SpanId), $"no invocation under {activity.DisplayName}{Environment.NewLine}{Describe()}");
        }

        // The webhook the worker sent carries the same trace.
        var traceparent = app.WebhookTraceparents.First(t => t is not null)!;
        Assert.Equal(trace.ToHexString(), traceparent.Split('-')[1]);
        await WaitAsync(() => app.Worker.Contains("/v1/traces", "webhook POST"), "the worker's webhook span");
        Assert.True(inTrace.Count >= 8, Describe());

        // Metrics: the host's protocol latency (in memory), the app's task, queue and webhook instruments (the worker's OTLP).
        Assert.Contains(app.Metrics, m => m.Name == "localruntime.worker.invocation.duration");
        Assert.Contains(app.Metrics, m => m.Name == "localruntime.worker.probe.duration" || m.Name == "localruntime.worker.invocations.active");
        foreach (var name in new[] { "serverlesstasks.task.duration", "serverlesstasks.tasks", "serverlesstasks.queue.depth", "serverlesstasks.webhook.attempts", "task_events" })
        {
            await WaitAsync(() => app.Worker.Contains("/v1/metrics", name), $"the worker's metric {name}");
        }

        await WaitAsync(() => app.Worker.Bodies.Any(b => b.Path == "/v1/logs"), "the worker's logs");
        Assert.DoesNotContain(hostSpanIds, id => id == default);
    }

    private static IEnumerable<Activity> Ancestors(Activity span, List<Activity> spans)
    {
        var byId = spans.GroupBy(s => s.SpanId).ToDictionary(g => g.Key, g => g.First());
        for (var current = span; byId.TryGetValue(current.ParentSpanId, out var parent); current = parent)
        {
            yield return parent;
        }
    }

    private static byte[] IdBytes(string hex) => Convert.FromHexString(hex);

    private static async Task WaitAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(45);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting for {what}.");
            await Task.Delay(100);
        }
    }
}
