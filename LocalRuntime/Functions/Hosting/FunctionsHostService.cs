using LocalRuntime.Functions.Extensibility;
using LocalRuntime.Functions.Grpc;
using LocalRuntime.Functions.Http;
using LocalRuntime.Functions.Worker;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LocalRuntime.Functions.Hosting;

/// <summary>
/// Starts and stops what is behind the public listener, in order. Registered ahead of the web server, it starts first
/// (gRPC endpoint, worker started and its functions loaded, routes built) and stops last (extensions drain, the worker
/// gets <c>WorkerTerminate</c>, the gRPC endpoint closes). Extensions start once the listener is bound, so
/// <see cref="IFunctionsHost.BaseAddress"/> is known to them, before the host reports started.
/// </summary>
internal sealed partial class FunctionsHostService(
    RpcServer rpc,
    WorkerSupervisor supervisor,
    FunctionsHostFacade facade,
    FunctionInvoker invoker,
    FunctionEndpointDataSource endpoints,
    IEnumerable<IHostExtension> extensions,
    IOptions<LocalFunctionsHostOptions> options,
    ILogger<FunctionsHostService> logger) : IHostedLifecycleService
{
    private readonly List<IHostExtension> _started = [];

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await rpc.StartAsync(cancellationToken).ConfigureAwait(false);
        LogRpcListening(logger, rpc.Address);
        var first = true;
        supervisor.FunctionsLoaded += loaded =>
        {
            var functions = loaded.Select(f => f.Descriptor).ToArray();
            endpoints.Update(options.Value.RoutePrefix, functions);
            if (first)
            {
                facade.SetFunctions(functions);
                first = false;
            }
        };
        await supervisor.StartAsync(cancellationToken).ConfigureAwait(false);
        WarnAboutUnservedBindings();
    }

    public async Task StartedAsync(CancellationToken cancellationToken)
    {
        foreach (var extension in extensions)
        {
            await extension.StartAsync(facade, cancellationToken).ConfigureAwait(false);
            _started.Add(extension);
            LogExtensionStarted(logger, extension.Name);
        }
    }

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // The web server stopped before us (it started after us): no new HTTP requests. Extensions stop taking work next.
        for (var i = _started.Count - 1; i >= 0; i--)
        {
            try
            {
                await _started[i].StopAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogExtensionStopFailed(logger, ex, _started[i].Name);
            }
        }

        await supervisor.StopAsync(cancellationToken).ConfigureAwait(false);
        await rpc.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void WarnAboutUnservedBindings()
    {
        var dispatched = new HashSet<string>(extensions.SelectMany(e => e.TriggerTypes), StringComparer.OrdinalIgnoreCase) { HttpTriggerInfo.TriggerType };
        foreach (var function in facade.Functions)
        {
            foreach (var binding in function.Bindings)
            {
                if (binding.IsTrigger && !dispatched.Contains(binding.Type))
                {
                    LogNoListener(logger, function.Name, binding.Type);
                }
                else if (!binding.IsTrigger && binding.Direction != BindingDirection.Out && !invoker.SuppliesInput(binding.Type))
                {
                    LogNoInputBinding(logger, function.Name, binding.Name, binding.Type);
                }
            }
        }
    }

    [LoggerMessage(EventId = 1901, Level = LogLevel.Debug, Message = "Workers connect to {Address}.")]
    private static partial void LogRpcListening(ILogger logger, Uri address);

    [LoggerMessage(EventId = 1902, Level = LogLevel.Warning, Message = "Function {FunctionName} has a {TriggerType} trigger that no extension of this host dispatches; it will not run.")]
    private static partial void LogNoListener(ILogger logger, string functionName, string triggerType);

    [LoggerMessage(EventId = 1903, Level = LogLevel.Debug, Message = "Function {FunctionName}'s input binding {BindingName} ({BindingType}) is supplied by no extension; the worker gets none.")]
    private static partial void LogNoInputBinding(ILogger logger, string functionName, string bindingName, string bindingType);

    [LoggerMessage(EventId = 1904, Level = LogLevel.Debug, Message = "Extension {Extension} started.")]
    private static partial void LogExtensionStarted(ILogger logger, string extension);

    [LoggerMessage(EventId = 1905, Level = LogLevel.Error, Message = "Extension {Extension} failed to stop.")]
    private static partial void LogExtensionStopFailed(ILogger logger, Exception exception, string extension);
}
