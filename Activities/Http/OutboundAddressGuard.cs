using System.Net;
using System.Net.Sockets;
using ServerlessTasks.Domain.Security;

namespace ServerlessTasks.Activities.Http;

/// <summary>
/// The SSRF guard at send time: a <see cref="SocketsHttpHandler.ConnectCallback"/> that resolves the host
/// itself and connects only to an address the policy allows, so a DNS answer that changed since the URL
/// was accepted (rebinding) cannot reach loopback, private, link-local or metadata addresses. Loopback is
/// allowed in development mode only.
/// </summary>
public sealed class OutboundAddressGuard(bool allowLoopback)
{
    /// <summary>Whether loopback targets are allowed (development mode).</summary>
    public bool AllowLoopback { get; } = allowLoopback;

    /// <summary>Creates the guard for the current environment (<c>AZURE_FUNCTIONS_ENVIRONMENT</c>).</summary>
    public static OutboundAddressGuard ForEnvironment(string? environment) =>
        new(string.Equals(environment, "Development", StringComparison.OrdinalIgnoreCase));

    /// <summary>A handler whose connections pass through the guard; redirects are not followed.</summary>
    public SocketsHttpHandler CreateHandler() => new()
    {
        AllowAutoRedirect = false,
        ConnectCallback = ConnectAsync,
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
    };

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellation)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host, out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, cancellation);
        var allowed = addresses.Where(a => CallbackUrlGuard.IsAllowedAddress(a, AllowLoopback)).ToList();
        if (allowed.Count == 0 || allowed.Count != addresses.Length)
        {
            throw new HttpRequestException($"Refused to connect to '{host}': it resolves to an address that is not allowed ({string.Join(", ", addresses.Select(a => AddressClassifier.Classify(a)))}).");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync([.. allowed], context.DnsEndPoint.Port, cancellation);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
