using System.Text.Json;
using Microsoft.Extensions.Logging;
using ServerlessTasks.Domain.Clock;
using ServerlessTasks.TaskIndex;

namespace ServerlessTasks.Activities.Events;

/// <summary>
/// The host's hybrid logical clock as activities use it: restored (once, before the first stamp) from the
/// high-water mark persisted in the event journal, so a restarted host never stamps below what it stamped
/// before; remote stamps too far ahead are logged and not merged instead of failing the task.
/// </summary>
public sealed partial class HostClock(HybridLogicalClock clock, ITaskEventJournal journal, ILogger<HostClock> logger)
{
    private readonly Lock _gate = new();
    private Task? _restore;

    /// <summary>The clock (its node id names this host in every stamp it issues).</summary>
    public HybridLogicalClock Clock => clock;

    /// <summary>Waits until the persisted high-water mark was restored.</summary>
    public Task EnsureRestoredAsync()
    {
        lock (_gate)
        {
            if (_restore is null || _restore.IsFaulted)
            {
                _restore = RestoreAsync();
            }

            return _restore;
        }
    }

    /// <summary>A local stamp.</summary>
    public async Task<HlcTimestamp> NowAsync()
    {
        await EnsureRestoredAsync();
        return clock.Now();
    }

    /// <summary>The stamp of receiving <paramref name="remote"/> (a local stamp when there is none or it is rejected).</summary>
    public async Task<HlcTimestamp> ReceiveAsync(HlcTimestamp? remote)
    {
        await EnsureRestoredAsync();
        if (remote is not { } stamp)
        {
            return clock.Now();
        }

        var result = clock.TryReceive(stamp);
        if (result.IsAccepted)
        {
            return result.Timestamp;
        }

        LogRejected(logger, stamp.ToString(), result.RemoteLead, clock.MaxOffset);
        return clock.Now();
    }

    /// <summary>Runs one task attempt between a receive stamp (merging the orchestrator's) and a finish stamp.</summary>
    /// <param name="sent">The orchestrator's stamp carried by the invocation.</param>
    /// <param name="work">The attempt.</param>
    public async Task<TaskActivityResult> RunAsync(HlcTimestamp? sent, Func<Task<JsonElement?>> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        var started = await ReceiveAsync(sent);
        var result = await work();
        return new TaskActivityResult(result, started, clock.Now());
    }

    private async Task RestoreAsync()
    {
        if (await journal.GetHighWaterMarkAsync() is { } mark)
        {
            clock.Restore(mark);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "HLC stamp {Stamp} is {Lead} ahead of this host's clock (max {MaxOffset}); not merged.")]
    private static partial void LogRejected(ILogger logger, string stamp, TimeSpan lead, TimeSpan maxOffset);
}
