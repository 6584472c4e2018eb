using Azure;
using Azure.Data.Tables;
using ServerlessTasks.TableStorage;

namespace ServerlessTasks.Webhooks.Tables;

/// <summary>
/// The callback store on Azure Tables (<c>{prefix}Callbacks</c>), shared by every instance of the app:
/// <list type="bullet">
/// <item>records in their workflow's partition <c>w!{workflow}</c> / <c>{delivery id}</c>, so a status view is one
/// partition read and a workflow's records are added in entity-group transactions;</item>
/// <item>pointers <c>d!{bucket}</c> / <c>{delivery id}</c> naming each delivery's workflow (written before the record,
/// never changed), so a delivery is found by its id alone;</item>
/// <item>disabled endpoints <c>e!{bucket}</c> / <c>{SHA-256 of the URL}</c>.</item>
/// </list>
/// </summary>
/// <remarks>
/// <see cref="ListByStatusAsync"/> (the dead-letter view) filters the records on the server by status and orders them by
/// their change stamp in memory: it reads the keys of every record in that status, fine for dead letters.
/// Change stamps increase within an instance and follow the instances' clocks across them.
/// </remarks>
public sealed class TableCallbackStore : ICallbackStore
{
    private const string RecordPrefix = "w!";
    private const string PointerPrefix = "d!";
    private const string EndpointPrefix = "e!";
    private const int MaxTransaction = 100;
    private const int ReadConcurrency = 16;

    private static readonly string[] StatusColumns =
        ["PartitionKey", "RowKey", "DeliveryId", "WorkflowId", "TaskId", "Event", "Url", "WebhookId", "Status", "Attempts", "LastError", "UpdatedAt", "Redrives", "Seq"];

    private readonly TableClient _table;
    private readonly Lock _seqGate = new();
    private long _lastSeq;

    /// <summary>Creates the store on <paramref name="service"/>, table <c>{prefix}Callbacks</c>.</summary>
    public TableCallbackStore(TableServiceClient service, string prefix = "st")
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        _table = service.GetTableClient(prefix + "Callbacks");
    }

    /// <inheritdoc />
    public async Task InitializeAsync(CancellationToken cancellation = default) => await _table.CreateIfNotExistsAsync(cancellation);

    /// <inheritdoc />
    public async Task<CallbackRecord> AddAsync(CallbackRecord record, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        return (await AddRangeAsync([record], cancellation))[0];
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<CallbackRecord>> AddRangeAsync(IReadOnlyList<CallbackRecord> records, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        var unique = records.DistinctBy(r => r.DeliveryId, StringComparer.Ordinal).ToList();
        foreach (var bucket in unique.GroupBy(r => TableKeys.Bucket(r.DeliveryId)))
        {
            await SubmitAsync(bucket.Select(r => new TableTransactionAction(TableTransactionActionType.UpsertReplace, Pointer(r))), cancellation);
        }

        var stored = new Dictionary<string, CallbackRecord>(StringComparer.Ordinal);
        foreach (var workflow in unique.GroupBy(r => r.WorkflowId, StringComparer.Ordinal))
        {
            foreach (var chunk in workflow.Chunk(MaxTransaction))
            {
                try
                {
                    await _table.SubmitTransactionAsync(chunk.Select(r => new TableTransactionAction(TableTransactionActionType.Add, ToEntity(r, NextSeq()))), cancellation);
                    foreach (var r in chunk)
                    {
                        stored[r.DeliveryId] = r;
                    }

                    continue;
                }
                catch (TableTransactionFailedException ex) when (ex.Status == 409)
                {
                    // Some exist already (a repeat, or another instance): one at a time, the stored ones win.
                }

                foreach (var r in chunk)
                {
                    try
                    {
                        await _table.AddEntityAsync(ToEntity(r, NextSeq()), cancellation);
                        stored[r.DeliveryId] = r;
                    }
                    catch (RequestFailedException ex) when (ex.Status == 409)
                    {
                        stored[r.DeliveryId] = ToRecord((await _table.GetEntityAsync<TableEntity>(RecordPartition(r.WorkflowId), TableKeys.Escape(r.DeliveryId), cancellationToken: cancellation)).Value);
                    }
                }
            }
        }

        return [.. records.Select(r => stored[r.DeliveryId])];
    }

    /// <inheritdoc />
    public async Task SaveAsync(CallbackRecord record, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        var entity = ToEntity(record, NextSeq());
        try
        {
            // Normally the record exists (it was added first): one write.
            await _table.UpdateEntityAsync(entity, ETag.All, TableUpdateMode.Replace, cancellation);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            await _table.UpsertEntityAsync(Pointer(record), TableUpdateMode.Replace, cancellation);
            await _table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellation);
        }
    }

    /// <inheritdoc />
    public async Task<CallbackRecord?> GetAsync(string deliveryId, CancellationToken cancellation = default)
    {
        var pointer = await _table.GetEntityIfExistsAsync<TableEntity>(PointerPrefix + TableKeys.Bucket(deliveryId), TableKeys.Escape(deliveryId), cancellationToken: cancellation);
        if (!pointer.HasValue)
        {
            return null;
        }

        var found = await _table.GetEntityIfExistsAsync<TableEntity>(RecordPartition(pointer.Value!.GetString("WorkflowId")), TableKeys.Escape(deliveryId), cancellationToken: cancellation);
        return found.HasValue ? ToRecord(found.Value!) : null;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<CallbackRecord>> ListForWorkflowAsync(string workflowId, CancellationToken cancellation = default)
    {
        var rows = new List<TableEntity>();
        await foreach (var row in _table.QueryAsync<TableEntity>($"PartitionKey eq '{TableKeys.Quote(RecordPartition(workflowId))}'", select: StatusColumns, cancellationToken: cancellation))
        {
            rows.Add(row);
        }

        return [.. rows.OrderBy(r => r.GetInt64("Seq")).Select(ToRecord)];
    }

    /// <inheritdoc />
    public async Task<CallbackPage> ListByStatusAsync(CallbackDeliveryStatus status, int limit, int offset, CancellationToken cancellation = default)
    {
        var filter = $"PartitionKey ge '{RecordPrefix}' and PartitionKey lt '{TableKeys.UpperBound(RecordPrefix)}' and Status eq '{status}'";
        var keys = new List<(string Partition, string Row, long Seq)>();
        await foreach (var row in _table.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey", "Seq"], cancellationToken: cancellation))
        {
            keys.Add((row.PartitionKey, row.RowKey, row.GetInt64("Seq") ?? 0));
        }

        var page = keys.OrderBy(k => k.Seq).ThenBy(k => k.Row, StringComparer.Ordinal).Skip(offset).Take(limit).ToList();
        var rows = new TableEntity?[page.Count];
        await Parallel.ForAsync(0, page.Count, new ParallelOptions { MaxDegreeOfParallelism = ReadConcurrency, CancellationToken = cancellation }, async (i, token) =>
        {
            var found = await _table.GetEntityIfExistsAsync<TableEntity>(page[i].Partition, page[i].Row, cancellationToken: token);
            rows[i] = found.HasValue ? found.Value : null;
        });
        return new CallbackPage([.. rows.Where(r => r is not null).Select(r => ToRecord(r!))], keys.Count);
    }

    /// <inheritdoc />
    public async Task DisableEndpointAsync(string url, DateTimeOffset at, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(url);
        var entity = new TableEntity(EndpointPrefix + TableKeys.Bucket(url), TableKeys.Hash(url)) { ["DisabledAt"] = at.UtcTicks };
        TableText.Set(entity, "Url", url);
        try
        {
            await _table.AddEntityAsync(entity, cancellation);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            // Disabled before: the first time stands.
        }
    }

    /// <inheritdoc />
    public async Task<bool> IsEndpointDisabledAsync(string url, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(url);
        var found = await _table.GetEntityIfExistsAsync<TableEntity>(EndpointPrefix + TableKeys.Bucket(url), TableKeys.Hash(url), select: ["RowKey"], cancellationToken: cancellation);
        return found.HasValue;
    }

    private static string RecordPartition(string workflowId) => RecordPrefix + TableKeys.Escape(workflowId);

    private static TableEntity Pointer(CallbackRecord r) =>
        new(PointerPrefix + TableKeys.Bucket(r.DeliveryId), TableKeys.Escape(r.DeliveryId)) { ["WorkflowId"] = r.WorkflowId };

    private long NextSeq()
    {
        lock (_seqGate)
        {
            _lastSeq = Math.Max(_lastSeq + 1, DateTimeOffset.UtcNow.UtcTicks);
            return _lastSeq;
        }
    }

    private async Task SubmitAsync(IEnumerable<TableTransactionAction> actions, CancellationToken cancellation)
    {
        foreach (var chunk in actions.Chunk(MaxTransaction))
        {
            await _table.SubmitTransactionAsync(chunk, cancellation);
        }
    }

    private static TableEntity ToEntity(CallbackRecord r, long seq)
    {
        var entity = new TableEntity(RecordPartition(r.WorkflowId), TableKeys.Escape(r.DeliveryId))
        {
            ["DeliveryId"] = r.DeliveryId,
            ["WorkflowId"] = r.WorkflowId,
            ["Event"] = r.Event,
            ["Url"] = r.Url,
            ["WebhookId"] = r.WebhookId,
            ["Status"] = r.Status.ToString(),
            ["Attempts"] = r.Attempts,
            ["UpdatedAt"] = r.UpdatedAt.UtcTicks,
            ["Redrives"] = r.Redrives,
            ["Seq"] = seq,
        };
        if (r.TaskId is not null)
        {
            entity["TaskId"] = r.TaskId;
        }

        if (r.LastError is not null)
        {
            entity["LastError"] = r.LastError.Length > 8_000 ? r.LastError[..8_000] : r.LastError;
        }

        TableText.Set(entity, "Request", r.Request);
        return entity;
    }

    private static CallbackRecord ToRecord(TableEntity e) => new()
    {
        DeliveryId = e.GetString("DeliveryId"),
        WorkflowId = e.GetString("WorkflowId"),
        TaskId = e.GetString("TaskId"),
        Event = e.GetString("Event"),
        Url = e.GetString("Url"),
        WebhookId = e.GetString("WebhookId"),
        Status = Enum.Parse<CallbackDeliveryStatus>(e.GetString("Status")),
        Attempts = e.GetInt32("Attempts") ?? 0,
        LastError = e.GetString("LastError"),
        UpdatedAt = new DateTimeOffset(e.GetInt64("UpdatedAt") ?? 0, TimeSpan.Zero),
        Redrives = e.GetInt32("Redrives") ?? 0,
        Request = TableText.Get(e, "Request") ?? string.Empty,
    };
}
