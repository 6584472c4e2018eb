using LocalRuntime.Functions.Extensibility;
using LocalRuntime.Functions.Rpc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LocalRuntime.Queues;

/// <summary>
/// The host extension for Storage queues: a listener per <c>queueTrigger</c> function, and the <c>queue</c> output
/// binding of any function (HTTP, queue, activity...), on the transport <see cref="IQueueStoreProvider"/> chose.
/// </summary>
public sealed partial class QueuesExtension : IHostExtension, IAsyncDisposable
{
    /// <summary>The trigger binding type.</summary>
    public const string TriggerType = "queueTrigger";

    /// <summary>The output binding type.</summary>
    public const string OutputType = "queue";

    private readonly IQueueStoreProvider _stores;
    private readonly QueuesOptions _options;
    private readonly IConfiguration _configuration;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly List<QueueListener> _listeners = [];

    /// <summary>Created by DI (see <c>AddQueueTriggers</c>).</summary>
    public QueuesExtension(IQueueStoreProvider stores, IOptions<QueuesOptions> options, IConfiguration configuration, TimeProvider time, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggers);
        _stores = stores;
        _options = options.Value;
        _configuration = configuration;
        _time = time;
        _loggers = loggers;
        _logger = loggers.CreateLogger<QueuesExtension>();
    }

    /// <inheritdoc />
    public string Name => "Queues";

    /// <inheritdoc />
    public IReadOnlyCollection<string> TriggerTypes { get; } = [TriggerType];

    /// <inheritdoc />
    public IReadOnlyCollection<string> InputBindingTypes { get; } = [];

    /// <inheritdoc />
    public IReadOnlyCollection<string> OutputBindingTypes { get; } = [OutputType];

    /// <summary>The running listeners: function name and queue, for diagnostics.</summary>
    public IReadOnlyList<(string Function, string Queue)> Listeners
    {
        get
        {
            lock (_listeners)
            {
                return [.. _listeners.Select(l => (l.FunctionName, l.QueueName))];
            }
        }
    }

    /// <inheritdoc />
    public TypedData BindInput(FunctionBinding binding, InvocationContext context) =>
        throw new NotSupportedException("Storage queues have no input binding.");

    /// <inheritdoc />
    public async Task WriteOutputAsync(FunctionBinding binding, TypedData value, InvocationContext context, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(binding);
        ArgumentNullException.ThrowIfNull(context);
        var messages = QueueOutput.Messages(value);
        if (messages.Count == 0)
        {
            return;
        }

        var queue = QueueNameOf(binding, context.Function.Name);
        var store = _stores.GetStore(binding.GetString("connection"));
        foreach (var message in messages)
        {
            await store.SendAsync(queue, message, cancellation: cancellation).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
    }

    /// <inheritdoc />
    public Task StartAsync(IFunctionsHost host, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(host);
        foreach (var function in host.Functions)
        {
            if (!function.Bindings.Any(b => b.IsTrigger && string.Equals(b.Type, TriggerType, StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            string queue;
            IQueueStore store;
            try
            {
                queue = QueueNameOf(function.Trigger, function.Name);
                store = _stores.GetStore(function.Trigger.GetString("connection"));
            }
            catch (InvalidOperationException ex)
            {
                // As Microsoft's host does with an indexing error: this function is not started, the others are.
                LogFunctionNotStarted(_logger, ex, function.Name);
                continue;
            }

            var listener = new QueueListener(function, queue, store, host, _options, _time, _loggers.CreateLogger($"LocalRuntime.Queues.Function.{function.Name}"));
            lock (_listeners)
            {
                _listeners.Add(listener);
            }

            listener.Start();
            LogListening(_logger, function.Name, queue, store.ProviderName, _options.BatchSize, _options.EffectiveNewBatchThreshold, _options.MaxDequeueCount);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellation)
    {
        QueueListener[] listeners;
        lock (_listeners)
        {
            listeners = [.. _listeners];
            _listeners.Clear();
        }

        await Task.WhenAll(listeners.Select(l => l.StopAsync(cancellation))).ConfigureAwait(false);
        foreach (var listener in listeners)
        {
            await listener.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None).ConfigureAwait(false);

    private string QueueNameOf(FunctionBinding binding, string function)
    {
        var raw = binding.GetString("queueName")
            ?? throw new InvalidOperationException($"Function '{function}': the {binding.Type} binding '{binding.Name}' has no queueName.");
        var what = $"function '{function}', binding '{binding.Name}'";
        return QueueNames.Normalize(SettingNames.Resolve(_configuration, raw, what), what);
    }

    [LoggerMessage(EventId = 3100, Level = LogLevel.Information, Message = "Queue function {Function} listening on '{Queue}' ({Store}; batchSize {BatchSize}, newBatchThreshold {Threshold}, maxDequeueCount {MaxDequeueCount}).")]
    private static partial void LogListening(ILogger logger, string function, string queue, string store, int batchSize, int threshold, int maxDequeueCount);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Error, Message = "Queue function {Function} is not started.")]
    private static partial void LogFunctionNotStarted(ILogger logger, Exception exception, string function);
}
