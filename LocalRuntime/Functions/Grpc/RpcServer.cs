using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LocalRuntime.Functions.Grpc;

/// <summary>
/// The gRPC endpoint workers connect to: Grpc.AspNetCore on a Kestrel of its own, HTTP/2 without TLS (h2c), on a free
/// loopback port, apart from the public HTTP listener (so the public pipeline, limits and auth never touch it).
/// </summary>
internal sealed class RpcServer(WorkerConnections connections, ILoggerFactory loggerFactory) : IAsyncDisposable
{
    private WebApplication? _app;

    /// <summary>The address workers get as <c>--functions-uri</c>, e.g. <c>http://127.0.0.1:40123/</c>.</summary>
    public Uri Address { get; private set; } = null!;

    public async Task StartAsync(CancellationToken cancellation)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = typeof(RpcServer).Assembly.GetName().Name });
        builder.Logging.ClearProviders();
        // The endpoint's own "Now listening / Application started / Content root" lines would read like the host's: dropped.
        builder.Services.AddSingleton<ILoggerFactory>(new QuietLifetimeLoggerFactory(loggerFactory));
        builder.Services.AddSingleton(connections);

        // The host's own lifetime handles Ctrl+C and SIGTERM; this endpoint stops when the host stops it, in order.
        builder.Services.AddSingleton<Microsoft.Extensions.Hosting.IHostLifetime, ManualLifetime>();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2);
            kestrel.AddServerHeader = false;
            // Invocation payloads (orchestration histories) can be large; the worker is told 2 GB too. HTTP/2 limits stay
            // Kestrel's defaults: raised window sizes made the worker's HTTP/2 handshake fail when several hosts started at once.
            kestrel.Limits.MaxRequestBodySize = null;
        });
        builder.Services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = null;
            grpc.MaxSendMessageSize = null;
            grpc.EnableDetailedErrors = true;
        });
        var app = builder.Build();
        app.MapGrpcService<FunctionRpcService>();
        await app.StartAsync(cancellation).ConfigureAwait(false);
        _app = app;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Address = new Uri(address.EndsWith('/') ? address : address + "/");
    }

    public async Task StopAsync(CancellationToken cancellation)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellation).ConfigureAwait(false);
        }
    }

    private sealed class QuietLifetimeLoggerFactory(ILoggerFactory inner) : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName) =>
            categoryName.StartsWith("Microsoft.Hosting.Lifetime", StringComparison.Ordinal) || categoryName.StartsWith("Microsoft.AspNetCore.Hosting", StringComparison.Ordinal)
                ? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance
                : inner.CreateLogger(categoryName);

        public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

        // The host owns the inner factory.
        public void Dispose()
        {
        }
    }

    private sealed class ManualLifetime : Microsoft.Extensions.Hosting.IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync().ConfigureAwait(false);
            _app = null;
        }
    }
}
