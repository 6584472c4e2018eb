using Microsoft.Extensions.Logging;
using ServerlessTasks.Domain.Clock;
using ServerlessTasks.TaskIndex;

namespace ServerlessTasks.Activities.Events;

/// <summary>
/// Where activities put task events: merged into the host clock and appended to the journal (with the clock's
/// high-water mark), then handed to the <see cref="ITaskEventHandler"/>s. The two steps are apart so a caller can
/// do its own work in between (the index activity wakes waiters and starts callbacks after the append).
/// </summary>
public sealed partial class TaskEventSink(ITaskEventJournal journal, HostClock clock, IEnumerable<ITaskEventHandler> handlers, ILogger<TaskEventSink> logger)
{
    /// <summary>The host clock the events are merged into.</summary>
    public HostClock Clock => clock;

    /// <summary>Merges the latest stamp of <paramref name="events"/> into the host clock and appends them (idempotent by identity); returns the host's stamp after them.</summary>
    public async Task<HlcTimestamp> AppendAsync(IReadOnlyList<TaskEvent> events, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(events);
        var stamp = await clock.ReceiveAsync(events.Count == 0 ? null : events.Max(e => e.Hlc));
        if (events.Count > 0)
        {
            await journal.AppendAsync(events, clock.Clock.Current, cancellation);
        }

        return stamp;
    }

    /// <summary>Hands events to every handler in HLC order; a handler that throws is logged and skipped.</summary>
    public async Task NotifyAsync(IReadOnlyList<TaskEvent> events, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            return;
        }

        var ordered = events.Order(Comparer<TaskEvent>.Create(TaskEvent.CompareByHlc)).ToList();
        foreach (var handler in handlers)
        {
            try
            {
                await handler.HandleAsync(ordered, cancellation);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogHandlerFailed(logger, ex, handler.GetType().Name);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task event handler {Handler} failed.")]
    private static partial void LogHandlerFailed(ILogger logger, Exception exception, string handler);
}
