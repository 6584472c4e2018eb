using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;

namespace DurableTestApp;

/// <summary>A slice of a fan-out: its first index and how many.</summary>
public sealed record IndexRange(int Start, int Count);

/// <summary>
/// For bench/DurableBench: an orchestrator whose only activity records when it started, so a benchmark can time
/// submit -> first activity start across the host and worker processes.
/// </summary>
public static class BenchFunctions
{
    private static readonly (Socket Socket, IPEndPoint Target)? Udp = OpenSocket();

    /// <summary>
    /// The same work as <see cref="Orchestrations.FanOut"/> (<c>n</c> Work activities, the sum of index squared) split into
    /// sub-orchestrations of at most 1,000 activities each: every instance's history stays small, so DTFx's per-message
    /// scans of the history (ReconcileMessagesWithState) cost 1,000s, not 10,000s, of events per completion.
    /// </summary>
    [Function(nameof(FanOutNested))]
    public static async Task<long> FanOutNested([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var n = context.GetInput<int>();
        var parts = new List<Task<long>>();
        for (var start = 0; start < n; start += 1_000)
        {
            parts.Add(context.CallSubOrchestratorAsync<long>(nameof(FanOutRange), new IndexRange(start, Math.Min(1_000, n - start))));
        }

        return (await Task.WhenAll(parts)).Sum();
    }

    /// <summary>Work activities for indexes <c>Start</c> to <c>Start + Count - 1</c> at once; their sum.</summary>
    [Function(nameof(FanOutRange))]
    public static async Task<long> FanOutRange([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var range = context.GetInput<IndexRange>() ?? throw new InvalidOperationException("FanOutRange needs its range.");
        var tasks = new Task<long>[range.Count];
        for (var i = 0; i < range.Count; i++)
        {
            tasks[i] = context.CallActivityAsync<long>(nameof(Activities.Work), new WorkItem(context.InstanceId, range.Start + i));
        }

        return (await Task.WhenAll(tasks)).Sum();
    }

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
