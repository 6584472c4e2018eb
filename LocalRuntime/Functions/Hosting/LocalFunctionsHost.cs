using LocalRuntime.Functions.Extensibility;
using LocalRuntime.Functions.Http;
using LocalRuntime.Functions.Rpc;
using LocalRuntime.Functions.Worker;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace LocalRuntime.Functions.Hosting;

/// <summary>
/// The local Functions host: runs a built Functions app's worker as a child process, speaks the host-worker protocol
/// with it, serves its HTTP triggers on a public listener and hosts extensions (Durable, queues, timers).
/// </summary>
/// <example>
/// <code>
/// var builder = LocalFunctionsHost.CreateBuilder(appDirectory, ["--urls", "http://127.0.0.1:0"]);
/// builder.Services.AddSingleton&lt;IHostExtension, MyExtension&gt;();
/// await using var host = builder.Build();
/// await host.StartAsync(ct);
/// var response = await new HttpClient { BaseAddress = host.BaseAddress }.GetAsync("api/hello");
/// </code>
/// </example>
public sealed class LocalFunctionsHost : IFunctionsHost, IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly IFunctionsHost _host;
    private bool _started;

    internal LocalFunctionsHost(WebApplication app, FunctionAppFolder appFolder)
    {
        _app = app;
        App = appFolder;
        _host = app.Services.GetRequiredService<IFunctionsHost>();
        Worker = app.Services.GetRequiredService<IWorkerProcess>();
    }

    /// <summary>The app folder being run.</summary>
    public FunctionAppFolder App { get; }

    /// <summary>The host's services.</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>The host's configuration.</summary>
    public IConfiguration Configuration => _app.Configuration;

    /// <summary>The worker process (its id changes when it is restarted).</summary>
    public IWorkerProcess Worker { get; }

    /// <inheritdoc/>
    public IReadOnlyList<FunctionDescriptor> Functions => _host.Functions;

    /// <inheritdoc/>
    public Uri BaseAddress => _host.BaseAddress;

    /// <summary>The HTTP-triggered functions' routes: name, methods (empty for any), URL path (e.g. <c>/api/hello</c>).</summary>
    public IReadOnlyList<(string Function, IReadOnlyList<string> Methods, string Path)> HttpRoutes =>
        _app.Services.GetRequiredService<FunctionEndpointDataSource>().Routes.Select(r => (r.Function.Name, r.Trigger.Methods, r.Pattern)).ToArray();

    /// <summary>Creates a builder for the app built into <paramref name="appDirectory"/> (it must hold functions.metadata and worker.config.json).</summary>
    /// <param name="appDirectory">The app's build output folder.</param>
    /// <param name="args">Command-line arguments (<c>--port</c>, <c>--urls</c>, any configuration key).</param>
    /// <exception cref="InvalidOperationException">The folder is not a built Functions app.</exception>
    public static LocalFunctionsHostBuilder CreateBuilder(string appDirectory, string[]? args = null) => new(appDirectory, args ?? []);

    /// <summary>Starts the gRPC endpoint, the worker (handshake and functions loaded), the public listener, the extensions.</summary>
    public async Task StartAsync(CancellationToken cancellation = default)
    {
        await _app.StartAsync(cancellation).ConfigureAwait(false);
        _started = true;
    }

    /// <summary>Stops: the listener drains, extensions stop, the worker is sent WorkerTerminate (killed after the grace period).</summary>
    public Task StopAsync(CancellationToken cancellation = default) => _app.StopAsync(cancellation);

    /// <summary>Runs until Ctrl+C / SIGTERM (or <paramref name="cancellation"/>), then stops.</summary>
    public async Task RunAsync(CancellationToken cancellation = default)
    {
        await StartAsync(cancellation).ConfigureAwait(false);
        await WaitForShutdownAsync(cancellation).ConfigureAwait(false);
    }

    /// <summary>Waits until the host is told to stop (Ctrl+C, SIGTERM, or <paramref name="cancellation"/>) and has stopped.</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellation = default) => Microsoft.Extensions.Hosting.HostingAbstractionsHostExtensions.WaitForShutdownAsync(_app, cancellation);

    /// <inheritdoc/>
    public Task<InvocationResponse> InvokeAsync(FunctionDescriptor function, TypedData triggerValue, IReadOnlyDictionary<string, TypedData>? triggerMetadata, CancellationToken cancellation) =>
        _host.InvokeAsync(function, triggerValue, triggerMetadata, cancellation);

    /// <summary>The function named <paramref name="name"/> (case-insensitive).</summary>
    /// <exception cref="KeyNotFoundException">The app has no such function.</exception>
    public FunctionDescriptor GetFunction(string name) =>
        Functions.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new KeyNotFoundException($"The app has no function '{name}'.");

    /// <summary>Stops the host if it runs, then releases it; the worker is gone when this returns.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_started)
        {
            try
            {
                await _app.StopAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopped already.
            }
        }

        // The container disposes the worker supervisor, which kills a worker still running.
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
