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
public sealed class OutboundAddressGuard(bool allowLoopback, IHostAddressResolver? resolver = null)
{
    private readonly IHostAddressResolver _resolver = resolver ?? new DnsHostAddressResolver();

    /// <summary>Whether loopback targets are allowed (development mode).</summary>
    public bool AllowLoopback { get; } = allowLoopback;

    /// <summary>Creates the guard for the current environment (<c>AZURE_FUNCTIONS_ENVIRONMENT</c>).</summary>
    public static OutboundAddressGuard ForEnvironment(string? environment, IHostAddressResolver? resolver = null) =>
        new(IsDevelopment(environment), resolver);

    /// <summary>True for development mode (<c>AZURE_FUNCTIONS_ENVIRONMENT=Development</c>).</summary>
    public static bool IsDevelopment(string? environment) =>
        string.Equals(environment, "Development", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Why <paramref name="url"/> may not be called, or null when it may: the pure URL check, then (for names)
    /// every address the name resolves to now. Used at submit; the connect callback checks again at send.
    /// </summary>
    public async Task<string?> FindProblemAsync(string url, CancellationToken cancellation)
    {
        var check = CallbackUrlGuard.Check(url, AllowLoopback);
        if (check.Verdict == CallbackUrlVerdict.Refused)
        {
            return check.Reason;
        }

        if (check.Verdict == CallbackUrlVerdict.Allowed)
        {
            return null;
        }

        IPAddress[] addresses;
        try
        {
            addresses = await _resolver.ResolveAsync(check.Host!, cancellation);
        }
        catch (SocketException ex)
        {
            return $"The callback host '{check.Host}' does not resolve ({ex.SocketErrorCode}).";
        }

        var refused = addresses.FirstOrDefault(a => !CallbackUrlGuard.IsAllowedAddress(a, AllowLoopback));
        return addresses.Length == 0
            ? $"The callback host '{check.Host}' does not resolve."
            : refused is not null
                ? $"The callback host '{check.Host}' resolves to {refused}, which is {AddressClassifier.Classify(refused).ToString().ToLowerInvariant()}."
                : null;
    }

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
            : await _resolver.ResolveAsync(host, cancellation);
        var allowed = addresses.Where(a => CallbackUrlGuard.IsAllowedAddress(a, AllowLoopback)).ToList();
        if (allowed.Count == 0 || allowed.Count != addresses.Length)
        {
            throw new OutboundAddressRefusedException($"Refused to connect to '{host}': it resolves to an address that is not allowed ({string.Join(", ", addresses.Select(a => AddressClassifier.Classify(a)))}).");
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
