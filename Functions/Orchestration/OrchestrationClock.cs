using System.Globalization;
using ServerlessTasks.Domain.Clock;
using ServerlessTasks.TaskIndex;

namespace ServerlessTasks.Functions.Orchestration;

/// <summary>
/// The hybrid logical clock of one orchestration, replay-safe: physical time is the orchestration's
/// <c>CurrentUtcDateTime</c> and the state is rebuilt by replaying the same history, so every replay issues the
/// same stamps. The node id is derived from the instance id, so it is stable across hosts and restarts.
/// </summary>
/// <remarks>
/// Remote stamps (from activities and the index activity) are always merged: the host clocks already enforce
/// the maximum offset on what they issue, and rejecting a recorded stamp would break determinism on replay.
/// </remarks>
public sealed class OrchestrationClock
{
    private HlcTimestamp _last;

    /// <summary>A clock for the orchestration <paramref name="instanceId"/>.</summary>
    public OrchestrationClock(string instanceId)
    {
        ArgumentNullException.ThrowIfNull(instanceId);
        NodeId = NodeIdFor(instanceId);
    }

    /// <summary>This orchestration's node id.</summary>
    public string NodeId { get; }

    /// <summary>The last stamp issued or merged.</summary>
    public HlcTimestamp Current => _last;

    /// <summary>The node id of an orchestration: <c>o-</c> and a stable 64-bit hash of its instance id.</summary>
    public static string NodeIdFor(string instanceId)
    {
        ArgumentNullException.ThrowIfNull(instanceId);
        var hash = 14695981039346656037UL; // FNV-1a over UTF-16 code units: stable across processes and versions
        foreach (var c in instanceId)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return "o-" + hash.ToString("x16", CultureInfo.InvariantCulture);
    }

    /// <summary>A stamp for a local or send event.</summary>
    public HlcTimestamp Next(DateTimeOffset now) => _last = HlcRules.Next(_last, now, NodeId);

    /// <summary>A stamp after <paramref name="remote"/> (a local stamp when null).</summary>
    public HlcTimestamp Receive(HlcTimestamp? remote, DateTimeOffset now) =>
        remote is { } stamp
            ? _last = HlcRules.Receive(_last, stamp, now, TimeSpan.MaxValue, NodeId).Timestamp
            : Next(now);

    /// <summary>A new event stamped now.</summary>
    public TaskEvent Stamp(string workflowId, string? taskId, TaskEventKind kind, DateTimeOffset now, int attempt = 0, string? detail = null, HlcTimestamp? after = null) => new()
    {
        WorkflowId = workflowId,
        TaskId = taskId,
        Kind = kind,
        Hlc = Receive(after, now),
        At = now,
        Attempt = attempt,
        Detail = detail,
    };
}
