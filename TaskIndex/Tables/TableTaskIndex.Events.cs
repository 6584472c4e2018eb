using System.Globalization;
using Azure;
using Azure.Data.Tables;
using ServerlessTasks.Domain.Clock;
using ServerlessTasks.TableStorage;

namespace ServerlessTasks.TaskIndex.Tables;

/// <summary>
/// The event journal half of the Tables index, in <c>{prefix}Events</c>:
/// <list type="bullet">
/// <item>identity rows <c>e!{workflow}</c> / <c>{task}!{kind}!{attempt}</c>: inserted (never replaced), so the first
/// writer of an event wins and a repeat, from this instance or another, appends nothing;</item>
/// <item>stamp-order rows <c>h!{hour}</c> / <c>{stamp hex}!{node}!{identity}</c>, written (idempotently) after the identity
/// row with the winning stamp, read by <see cref="ReadAfterAsync"/>; a registry partition <c>~buckets</c> names the hours
/// that have events;</item>
/// <item>clock marks <c>~marks</c> / <c>{node}</c>, raised (never lowered) with ETags; each batch's largest event stamp is
/// folded into the mark written with it, so the high-water mark is one partition read.</item>
/// </list>
/// </summary>
/// <remarks>
/// A crash between an identity row and its stamp-order row leaves the event out of <see cref="ReadAfterAsync"/> until the
/// batch is written again, which the index activity's at-least-once delivery does: the retry finds the identity row,
/// takes its stamp and writes the missing row.
/// </remarks>
public sealed partial class TableTaskIndex
{
    private const string EventPartitionPrefix = "e!";
    private const string HourPartitionPrefix = "h!";
    private const string BucketsPartition = "~buckets";
    private const string MarksPartition = "~marks";
    private const string JournalMark = "~journal";
    private const long HourMs = 3_600_000;

    /// <inheritdoc />
    public event Action? Appended;

    /// <inheritdoc />
    public async Task AppendAsync(IReadOnlyList<TaskEvent> events, HlcTimestamp? highWaterMark = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        var winners = new List<TaskEvent>(events.Count);
        var added = 0;
        foreach (var group in events.GroupBy(e => e.WorkflowId, StringComparer.Ordinal))
        {
            var (stored, count) = await AddIdentitiesAsync(group.Key, [.. group.DistinctBy(IdentityOf)], cancellation);
            winners.AddRange(stored);
            added += count;
        }

        if (winners.Count > 0)
        {
            // The registry names an hour before its rows exist, so a reader never skips an hour that has events.
            await SubmitAsync(_events, winners.Select(e => Hour(e.Hlc)).Distinct()
                .Select(h => new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(BucketsPartition, HourKey(h)))), cancellation);
            foreach (var hour in winners.GroupBy(e => Hour(e.Hlc)))
            {
                await SubmitAsync(_events, hour.Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, ToOrderRow(e))), cancellation);
            }
        }

        var eventMax = events.Count == 0 ? 0UL : events.Max(e => e.Hlc.Packed);
        if (highWaterMark is not null || eventMax > 0)
        {
            await RaiseMarkAsync(highWaterMark?.NodeId is { Length: > 0 } node ? node : JournalMark, Math.Max(highWaterMark?.Packed ?? 0, eventMax), cancellation);
        }

        if (added > 0)
        {
            Appended?.Invoke();
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<TaskEvent>> ListWorkflowEventsAsync(string workflowId, CancellationToken cancellation = default) =>
        await QueryEventsAsync($"PartitionKey eq '{TableKeys.Quote(EventPartitionPrefix + TableKeys.Escape(workflowId))}'", cancellation);

    /// <inheritdoc />
    public async Task<IReadOnlyList<TaskEvent>> ListTaskEventsAsync(string workflowId, string taskId, CancellationToken cancellation = default) =>
        await QueryEventsAsync(TableKeys.RowKeyPrefixFilter(EventPartitionPrefix + TableKeys.Escape(workflowId), TableKeys.Escape(taskId) + TableKeys.Separator), cancellation);

    /// <inheritdoc />
    public async Task<IReadOnlyList<TaskEvent>> ReadAfterAsync(HlcTimestamp? after, HlcTimestamp? upTo, string? workflowId, int limit, CancellationToken cancellation = default)
    {
        if (workflowId is not null)
        {
            // One workflow's events are one partition: read them and cut in memory.
            return [.. (await ListWorkflowEventsAsync(workflowId, cancellation))
                .Where(e => (after is not { } a || e.Hlc > a) && (upTo is not { } u || e.Hlc <= u)).Take(limit)];
        }

        var hoursFilter = $"PartitionKey eq '{BucketsPartition}'"
            + (after is { } from ? $" and RowKey ge '{HourKey(Hour(from))}'" : string.Empty)
            + (upTo is { } to ? $" and RowKey le '{HourKey(Hour(to))}'" : string.Empty);
        var hours = new List<string>();
        await foreach (var row in _events.QueryAsync<TableEntity>(hoursFilter, select: ["RowKey"], cancellationToken: cancellation))
        {
            hours.Add(row.RowKey);
        }

        var result = new List<TaskEvent>();
        foreach (var hour in hours.Order(StringComparer.Ordinal))
        {
            var filter = $"PartitionKey eq '{HourPartitionPrefix}{hour}'";
            if (after is { } a)
            {
                filter += $" and RowKey ge '{TableKeys.Quote(StampKey(a) + TableKeys.AfterSeparator)}'";
            }

            if (upTo is { } u)
            {
                filter += $" and RowKey lt '{TableKeys.Quote(StampKey(u) + TableKeys.AfterSeparator)}'";
            }

            await foreach (var row in _events.QueryAsync<TableEntity>(filter, maxPerPage: Math.Min(1000, limit - result.Count), cancellationToken: cancellation))
            {
                result.Add(ToEvent(row));
                if (result.Count == limit)
                {
                    return result;
                }
            }
        }

        return result;
    }

    /// <inheritdoc />
    public async Task<HlcTimestamp?> GetHighWaterMarkAsync(CancellationToken cancellation = default)
    {
        ulong? max = null;
        await foreach (var row in _events.QueryAsync<TableEntity>($"PartitionKey eq '{MarksPartition}'", cancellationToken: cancellation))
        {
            var mark = (ulong)(row.GetInt64("Hlc") ?? 0);
            max = max is { } known ? Math.Max(known, mark) : mark;
        }

        return max is { } value ? HlcTimestamp.FromPacked(value) : null;
    }

    /// <summary>Inserts the identity rows that are new; returns every event as stored (the first writer's stamp) and how many were new.</summary>
    private async Task<(List<TaskEvent> Stored, int Added)> AddIdentitiesAsync(string workflowId, List<TaskEvent> events, CancellationToken cancellation)
    {
        var stored = new List<TaskEvent>(events.Count);
        var added = 0;
        foreach (var chunk in events.Chunk(MaxTransaction))
        {
            try
            {
                await _events.SubmitTransactionAsync(chunk.Select(e => new TableTransactionAction(TableTransactionActionType.Add, ToIdentityRow(e))), cancellation);
                stored.AddRange(chunk);
                added += chunk.Length;
                continue;
            }
            catch (TableTransactionFailedException ex) when (ex.Status == 409)
            {
                // Some are there already (a repeat, or another instance's write): one at a time, the stored ones win.
            }

            foreach (var e in chunk)
            {
                try
                {
                    await _events.AddEntityAsync(ToIdentityRow(e), cancellation);
                    stored.Add(e);
                    added++;
                }
                catch (RequestFailedException ex) when (ex.Status == 409)
                {
                    var row = await _events.GetEntityAsync<TableEntity>(EventPartitionPrefix + TableKeys.Escape(workflowId), IdentityKey(e), cancellationToken: cancellation);
                    stored.Add(ToEvent(row.Value));
                }
            }
        }

        return (stored, added);
    }

    /// <summary>Stores <paramref name="packed"/> as <paramref name="node"/>'s mark unless a larger one is there.</summary>
    private async Task RaiseMarkAsync(string node, ulong packed, CancellationToken cancellation)
    {
        var key = TableKeys.Escape(node);
        for (var attempt = 0; ; attempt++)
        {
            var found = await _events.GetEntityIfExistsAsync<TableEntity>(MarksPartition, key, cancellationToken: cancellation);
            if (found.HasValue && (ulong)(found.Value!.GetInt64("Hlc") ?? 0) >= packed)
            {
                return;
            }

            var mark = new TableEntity(MarksPartition, key) { ["Hlc"] = (long)packed };
            try
            {
                await (found.HasValue
                    ? _events.UpdateEntityAsync(mark, found.Value!.ETag, TableUpdateMode.Replace, cancellation)
                    : _events.AddEntityAsync(mark, cancellation));
                return;
            }
            catch (RequestFailedException ex) when (IsConflict(ex) && attempt < MaxConflictRetries)
            {
                // Raised by another writer meanwhile: compare again.
            }
        }
    }

    private async Task<List<TaskEvent>> QueryEventsAsync(string filter, CancellationToken cancellation)
    {
        var list = new List<TaskEvent>();
        await foreach (var row in _events.QueryAsync<TableEntity>(filter, cancellationToken: cancellation))
        {
            list.Add(ToEvent(row));
        }

        list.Sort(TaskEvent.CompareByHlc);
        return list;
    }

    private static async Task SubmitAsync(TableClient table, IEnumerable<TableTransactionAction> actions, CancellationToken cancellation)
    {
        foreach (var chunk in actions.Chunk(MaxTransaction))
        {
            await table.SubmitTransactionAsync(chunk, cancellation);
        }
    }

    private static (string, string, TaskEventKind, int) IdentityOf(TaskEvent e) => (e.WorkflowId, e.TaskId ?? string.Empty, e.Kind, e.Attempt);

    private static string IdentityKey(TaskEvent e) =>
        string.Create(CultureInfo.InvariantCulture, $"{TableKeys.Escape(e.TaskId)}{TableKeys.Separator}{(int)e.Kind:D2}{TableKeys.Separator}{e.Attempt:D10}");

    private static long Hour(HlcTimestamp stamp) => stamp.PhysicalMilliseconds / HourMs;

    private static string HourKey(long hour) => hour.ToString("D10", CultureInfo.InvariantCulture);

    /// <summary>The stamp part of an order row key: hex (sorts as the packed value) and node.</summary>
    private static string StampKey(HlcTimestamp stamp) =>
        string.Concat(stamp.Packed.ToString("X16", CultureInfo.InvariantCulture), TableKeys.Separator.ToString(), TableKeys.Escape(stamp.NodeId));

    private static TableEntity ToIdentityRow(TaskEvent e) => Fill(new TableEntity(EventPartitionPrefix + TableKeys.Escape(e.WorkflowId), IdentityKey(e)), e);

    private static TableEntity ToOrderRow(TaskEvent e) =>
        Fill(new TableEntity(HourPartitionPrefix + HourKey(Hour(e.Hlc)), string.Concat(StampKey(e.Hlc), TableKeys.Separator.ToString(), TableKeys.Escape(e.WorkflowId), TableKeys.Separator.ToString(), IdentityKey(e))), e);

    private static TableEntity Fill(TableEntity entity, TaskEvent e)
    {
        entity["WorkflowId"] = e.WorkflowId;
        if (e.TaskId is not null)
        {
            entity["TaskId"] = e.TaskId;
        }

        entity["Kind"] = (int)e.Kind;
        entity["Attempt"] = e.Attempt;
        entity["Hlc"] = (long)e.Hlc.Packed;
        entity["Node"] = e.Hlc.NodeId;
        entity["At"] = e.At.UtcTicks;
        TableText.Set(entity, "Detail", e.Detail);
        return entity;
    }

    private static TaskEvent ToEvent(TableEntity r) => new()
    {
        WorkflowId = r.GetString("WorkflowId"),
        TaskId = r.GetString("TaskId"),
        Kind = (TaskEventKind)(r.GetInt32("Kind") ?? 0),
        Attempt = r.GetInt32("Attempt") ?? 0,
        Hlc = HlcTimestamp.FromPacked((ulong)(r.GetInt64("Hlc") ?? 0), r.GetString("Node")),
        At = new DateTimeOffset(r.GetInt64("At") ?? 0, TimeSpan.Zero),
        Detail = TableText.Get(r, "Detail"),
    };
}
