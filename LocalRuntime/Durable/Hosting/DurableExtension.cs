using System.Text.Json;
using DurableTask.Core;
using LocalRuntime.Durable.Client;
using LocalRuntime.Durable.Dispatch;
using LocalRuntime.Durable.Management;
using LocalRuntime.Functions.Extensibility;
using LocalRuntime.Functions.Rpc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace LocalRuntime.Durable.Hosting;

/// <summary>
/// Durable for our local Functions host, as Microsoft's Durable extension is for theirs: a DTFx <see cref="TaskHubWorker"/> on the
/// configured backend dispatches orchestrations, activities and entities into the worker process, and the <c>durableClient</c>
/// binding points the worker's client at our gRPC sidecar.
/// </summary>
public sealed partial class DurableExtension : IHostExtension, IAsyncDisposable
{
    /// <summary>How long a stopping host lets in-flight orchestrations and activities finish before it abandons them.</summary>
    public static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(30);

    private readonly DurableHostOptions _options;
    private readonly IOrchestrationService _service;
    private readonly DurableClientService _client;
    private readonly SidecarServer _sidecar;
    private readonly string _requiredQueryString;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _aborted = new();
    private TaskHubWorker? _worker;
    private IFunctionsHost? _host;

    /// <summary>Creates the extension.</summary>
    /// <param name="options">The Durable settings.</param>
    /// <param name="service">The task hub's backend (it also implements the DTFx client interfaces).</param>
    /// <param name="functionKey">The function key clients must present, if keys are configured: management URLs carry it.</param>
    /// <param name="time">The host's clock: durable time (orchestration timestamps, timers).</param>
    /// <param name="loggerFactory">Logging.</param>
    public DurableExtension(
        DurableHostOptions options,
        IOrchestrationService service,
        string? functionKey,
        TimeProvider time,
        ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _options = options;
        _service = service;
        _time = time ?? TimeProvider.System;
        _client = new DurableClientService(service, new DurableClientOptions
        {
            TaskHubName = options.HubName,
            ConnectionName = options.ConnectionName,
            DefaultVersion = options.DefaultVersion,
            OverrideOnlyNonRunningInstances = options.OverrideOnlyNonRunningInstances,
            TimeProvider = _time,
        }, loggerFactory);
        _sidecar = new SidecarServer(_client, loggerFactory);
        // As Durable's binding does: every management URL names the hub and connection (and the key, where keys are enforced).
        // Durable reports the default AzureWebJobsStorage connection as "Storage".
        var connection = options.ConnectionName == "AzureWebJobsStorage" ? "Storage" : options.ConnectionName;
        _requiredQueryString = $"taskHub={Uri.EscapeDataString(options.HubName)}&connection={Uri.EscapeDataString(connection)}"
            + (string.IsNullOrEmpty(functionKey) ? string.Empty : $"&code={Uri.EscapeDataString(functionKey)}");
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<DurableExtension>();
    }

    /// <inheritdoc />
    public string Name => "DurableTask";

    /// <inheritdoc />
    public IReadOnlyCollection<string> TriggerTypes { get; } =
        [DurableFunctionCatalog.OrchestrationTrigger, DurableFunctionCatalog.ActivityTrigger, DurableFunctionCatalog.EntityTrigger];

    /// <inheritdoc />
    public IReadOnlyCollection<string> InputBindingTypes { get; } = ["durableClient"];

    /// <inheritdoc />
    public IReadOnlyCollection<string> OutputBindingTypes { get; } = [];

    /// <summary>The backend, for diagnostics and tests.</summary>
    public IOrchestrationService Service => _service;

    /// <inheritdoc />
    public TypedData BindInput(FunctionBinding binding, InvocationContext context)
    {
        ArgumentNullException.ThrowIfNull(binding);
        ArgumentNullException.ThrowIfNull(context);
        var hub = binding.GetString("taskHub") is { Length: > 0 } named ? named : _options.HubName;
        var httpBase = context.HttpContext is { } http
            ? $"{http.Request.Scheme}://{http.Request.Host}"
            : (_host?.BaseAddress.GetLeftPart(UriPartial.Authority) ?? "http://localhost:7071");
        var payload = new DurableClientPayload(
            TaskHubName: hub,
            ConnectionName: binding.GetString("connectionName") ?? _options.ConnectionName,
            RpcBaseUrl: _sidecar.Address.ToString(),
            RequiredQueryStringParameters: _requiredQueryString,
            HttpBaseUrl: httpBase + "/runtime/webhooks/durabletask",
            MaxGrpcMessageSizeInBytes: int.MaxValue,
            // The worker reads this field as the JSON text of a TimeSpan (it deserializes the string's content).
            GrpcHttpClientTimeout: JsonSerializer.Serialize(TimeSpan.FromSeconds(100)));
        return new TypedData { String = JsonSerializer.Serialize(payload, DurableClientPayload.Json) };
    }

    /// <inheritdoc />
    public Task WriteOutputAsync(FunctionBinding binding, TypedData value, InvocationContext context, CancellationToken cancellation) =>
        throw new NotSupportedException($"The Durable extension writes no output bindings ({binding?.Type}).");

    /// <inheritdoc />
    public void MapEndpoints(IEndpointRouteBuilder endpoints) =>
        // The host enforces the key (when keys are configured) through the endpoints' metadata, as for functions.
        endpoints.MapManagementApi(_client, isAuthorized: _ => true, _requiredQueryString).RequireFunctionKey(FunctionAuthorizationLevel.Function);

    /// <inheritdoc />
    public async Task StartAsync(IFunctionsHost host, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(host);
        _host = host;
        var catalog = new DurableFunctionCatalog(host.Functions);
        var dispatcher = new WorkerDispatcher(host, catalog, _options, _time, _loggerFactory.CreateLogger<WorkerDispatcher>())
        {
            Aborted = _aborted.Token,
        };

        await _service.CreateIfNotExistsAsync().WaitAsync(cancellation);
        await _sidecar.StartAsync(cancellation);
        var worker = new TaskHubWorker(_service, _loggerFactory);
        worker.AddOrchestrationDispatcherMiddleware(dispatcher.RunOrchestrationAsync);
        worker.AddActivityDispatcherMiddleware(dispatcher.RunActivityAsync);
        worker.AddEntityDispatcherMiddleware(dispatcher.RunEntityAsync);
        await worker.StartAsync().WaitAsync(cancellation);
        _worker = worker;
        LogStarted(_logger, _options.HubName, _options.Store, catalog.Count, _options.ExtendedSessionsEnabled);
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellation)
    {
        if (_worker is not { } worker)
        {
            return;
        }

        _worker = null;
        // Let in-flight work finish (graceful drain); past the deadline, abandon it so DTFx delivers it again after a restart.
        var stop = worker.StopAsync(isForced: false);
        var drained = await Task.WhenAny(stop, Task.Delay(DrainTimeout, _time, cancellation)) == stop;
        if (!drained)
        {
            LogDrainTimedOut(_logger, DrainTimeout);
            await _aborted.CancelAsync();
            await worker.StopAsync(isForced: true);
        }

        await stop;
        await _sidecar.StopAsync(cancellation);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None);
        await _sidecar.DisposeAsync();
        _aborted.Dispose();
        if (_service is IDisposable disposable)
        {
            disposable.Dispose();
        }
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Durable task hub {HubName} on {Store}: {Count} orchestrator/activity/entity functions, extended sessions {Sessions}")]
    private static partial void LogStarted(ILogger logger, string hubName, DurableStoreKind store, int count, bool sessions);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "In-flight Durable work did not finish within {Timeout}; abandoning it (it runs again after restart)")]
    private static partial void LogDrainTimedOut(ILogger logger, TimeSpan timeout);
}
