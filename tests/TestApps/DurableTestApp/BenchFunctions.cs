using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;

namespace DurableTestApp;

/// <summary>
/// For bench/DurableBench: an orchestrator whose only activity records when it started, so a benchmark can time
/// submit -> first activity start across the host and worker processes.
/// </summary>
public static class BenchFunctions
{
    private static readonly (Socket Socket, IPEndPoint Target)? Udp = OpenSocket();

    /// <summary>Calls <see cref="Stamp"/> once and returns what it returned.</summary>
    [Function(nameof(FirstStamp))]
    public static Task<long> FirstStamp([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.CallActivityAsync<long>(nameof(Stamp), context.InstanceId);
    }

    /// <summary>
    /// Returns <see cref="Stopwatch.GetTimestamp"/> at its start (CLOCK_MONOTONIC on Linux: comparable across processes)
    /// and, when <c>TESTAPP_STAMP_PORT</c> is set, sends <c>instanceId SPACE timestamp</c> as one UDP datagram to that
    /// loopback port, so the benchmark learns it before the orchestration completes.
    /// </summary>
    [Function(nameof(Stamp))]
    public static long Stamp([ActivityTrigger] string instanceId)
    {
        var now = Stopwatch.GetTimestamp();
        if (Udp is var (socket, target))
        {
            socket.SendTo(Encoding.UTF8.GetBytes($"{instanceId} {now.ToString(CultureInfo.InvariantCulture)}"), target);
        }

        return now;
    }

    private static (Socket Socket, IPEndPoint Target)? OpenSocket() =>
        int.TryParse(Environment.GetEnvironmentVariable("TESTAPP_STAMP_PORT"), CultureInfo.InvariantCulture, out var port)
            ? (new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp), new IPEndPoint(IPAddress.Loopback, port))
            : null;
}
