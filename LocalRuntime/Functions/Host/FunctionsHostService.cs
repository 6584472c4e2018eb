using LocalRuntime.Durable.Engine;
using LocalRuntime.Functions.Queues;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LocalRuntime.Functions.Host;

/// <summary>
/// Starts and stops everything behind the functions, in order. It is registered ahead of the web server, so
/// it starts first (the engine has loaded its pending work before the first request) and stops last.
/// </summary>
/// <remarks>
/// Stop (SIGTERM, Ctrl+C, <c>StopAsync</c>): the server stops accepting and finishes its requests; timers stop
/// scheduling and queue listeners stop leasing, letting running invocations finish; then the engine drains its
/// episodes and activities. All of it is bounded by the host's shutdown timeout; whatever is cut short stays in
/// the stores and resumes at the next start.
/// </remarks>
internal sealed class FunctionsHostService(
    DurableEngine engine,
    IQueueStore queues,
    FunctionTriggers triggers,
    IServer server,
    IHostApplicationLifetime lifetime,
    ILogger<FunctionsHostService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await engine.StartAsync(cancellationToken);
        await queues.InitializeAsync(cancellationToken);
        lifetime.ApplicationStarted.Register(() =>
        {
            var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
            if (address is not null && engine.Client is LocalDurableTaskClient client)
            {
                client.HttpBaseUrl = new Uri(address.Replace("://[::]", "://localhost", StringComparison.Ordinal)
                    .Replace("://0.0.0.0", "://localhost", StringComparison.Ordinal)
                    .Replace("://+", "://localhost", StringComparison.Ordinal)
                    .Replace("://*", "://localhost", StringComparison.Ordinal));
            }

            // Triggers start once the host runs, as in Functions (a RunOnStartup timer may call the HTTP API).
            foreach (var listener in triggers.Queues)
            {
                listener.Start();
            }

            foreach (var timer in triggers.Timers)
            {
                timer.Start();
            }
        });
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // Normally the server is already stopped (it stops before us); stopping it again is a no-op then.
        try
        {
            await server.StopAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
        {
            logger.LogDebug(ex, "Server stop did not complete.");
        }

        await Task.WhenAll(triggers.Timers.Select(t => t.StopAsync(cancellationToken)).Concat(triggers.Queues.Select(q => q.StopAsync(cancellationToken))));
        await engine.StopAsync(cancellationToken);
    }
}

/// <summary>The queue and timer listeners of the host's functions.</summary>
internal sealed class FunctionTriggers(IReadOnlyList<QueueListener> queues, IReadOnlyList<TimerListener> timers) : IAsyncDisposable
{
    public IReadOnlyList<QueueListener> Queues { get; } = queues;

    public IReadOnlyList<TimerListener> Timers { get; } = timers;

    /// <summary>The listener of a timer function, by function name.</summary>
    public TimerListener Timer(string functionName) =>
        Timers.Single(t => string.Equals(t.FunctionName, functionName, StringComparison.OrdinalIgnoreCase));

    public async ValueTask DisposeAsync()
    {
        foreach (var queue in Queues)
        {
            await queue.DisposeAsync();
        }

        foreach (var timer in Timers)
        {
            await timer.DisposeAsync();
        }
    }
}
