using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace LocalRuntime.Functions.Http;

/// <summary>
/// Retries a forward whose connection to the worker could not be opened (its Kestrel may start a moment after its
/// functions are loaded), 50 ms doubling to 250 ms, ten attempts, as the Functions host's <c>RetryProxyHandler</c>.
/// Only connect failures: nothing of the request was sent, so a retry cannot run anything twice.
/// </summary>
internal sealed partial class WorkerConnectRetryHandler(HttpMessageHandler inner, TimeProvider time, ILogger logger) : DelegatingHandler(inner)
{
    private const int MaxAttempts = 10;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(50);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException ex) when (attempt < MaxAttempts && (ex.HttpRequestError == HttpRequestError.ConnectionError || ex.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused }))
            {
                LogRetrying(logger, attempt, delay.TotalMilliseconds);
                await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 250));
            }
        }
    }

    [LoggerMessage(EventId = 1711, Level = LogLevel.Debug, Message = "The worker's HTTP endpoint refused the connection (attempt {Attempt}); retrying in {DelayMs} ms.")]
    private static partial void LogRetrying(ILogger logger, int attempt, double delayMs);
}
