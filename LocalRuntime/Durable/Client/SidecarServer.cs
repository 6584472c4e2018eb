using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LocalRuntime.Durable.Client;

/// <summary>
/// Serves the Durable gRPC <c>TaskHubSidecarService</c> behind <c>[DurableClient]</c> on its own loopback Kestrel
/// (HTTP/2 without TLS, a free port, no message size limit). Put <see cref="Address"/> into the
/// <c>durableClient</c> binding's <c>rpcBaseUrl</c>.
/// </summary>
public sealed partial class SidecarServer : IAsyncDisposable
{
    private readonly DurableClientService _client;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private WebApplication? _app;

    /// <summary>Prepares the server; nothing listens until <see cref="StartAsync"/>.</summary>
    public SidecarServer(DurableClientService client, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<SidecarServer>();
    }

    /// <summary>The address it listens on (<c>http://127.0.0.1:PORT/</c>) once started.</summary>
    public Uri Address => _address ?? throw new InvalidOperationException("The sidecar has not been started.");

    private Uri? _address;

    /// <summary>Binds a free loopback port and starts serving.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_app is not null)
        {
            throw new InvalidOperationException("The sidecar is already started.");
        }

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2);
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Limits.Http2.MaxStreamsPerConnection = 1000;
        });
        builder.Services.AddRouting();
        builder.Services.Replace(ServiceDescriptor.Singleton(_loggerFactory));
        builder.Services.AddLogging();
        builder.Services.AddSingleton(_client);
        builder.Services.AddGrpc(grpc =>
        {
            // The worker sends its configured maxGrpcMessageSizeInBytes; this end takes whatever comes.
            grpc.MaxReceiveMessageSize = null;
            grpc.MaxSendMessageSize = null;
            grpc.Interceptors.Add<TaskHubCheckInterceptor>();
        });
        var app = builder.Build();
        app.UseRouting();
        app.MapGrpcService<TaskHubSidecar>();
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        _address = new Uri(address.EndsWith('/') ? address : address + "/");
        _app = app;
        Log.Listening(_logger, _address, _client.Options.TaskHubName);
    }

    /// <summary>Stops serving (in-flight calls get until <paramref name="cancellationToken"/> fires).</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync(cancellationToken);
            await app.DisposeAsync();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await StopAsync(grace.Token);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3120, Level = LogLevel.Information, Message = "Durable client sidecar (gRPC) listening on {Address} for task hub {TaskHub}")]
        public static partial void Listening(ILogger logger, Uri address, string taskHub);
    }
}
