using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace DurableBench;

/// <summary>
/// Receives the worker's <c>Stamp</c> activity datagrams (<c>instanceId SPACE Stopwatch timestamp</c>) on a loopback UDP
/// port and completes the waiter registered for that instance.
/// </summary>
internal sealed class StampListener : IDisposable
{
    private readonly UdpClient _udp = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly ConcurrentDictionary<string, TaskCompletionSource<long>> _waiters = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public StampListener() => _loop = ReceiveAsync();

    public int Port => ((IPEndPoint)_udp.Client.LocalEndPoint!).Port;

    /// <summary>Registers a waiter before the submit, so an early datagram is not missed.</summary>
    public Task<long> Expect(string instanceId)
    {
        var waiter = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiters[instanceId] = waiter;
        return waiter.Task;
    }

    public void Forget(string instanceId) => _waiters.TryRemove(instanceId, out _);

    public void Dispose()
    {
        _stop.Cancel();
        _udp.Dispose();
        try
        {
            _loop.GetAwaiter().GetResult();
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // Stopped.
        }

        _stop.Dispose();
    }

    private async Task ReceiveAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var datagram = await _udp.ReceiveAsync(_stop.Token);
            var text = Encoding.UTF8.GetString(datagram.Buffer);
            var space = text.LastIndexOf(' ');
            if (space > 0
                && long.TryParse(text.AsSpan(space + 1), NumberStyles.Integer, CultureInfo.InvariantCulture, out var stamp)
                && _waiters.TryRemove(text[..space], out var waiter))
            {
                waiter.TrySetResult(stamp);
            }
        }
    }
}
