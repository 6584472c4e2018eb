using System.Globalization;
using Azure;
using Azure.Data.Tables;
using ServerlessTasks.Domain.Model;
using ServerlessTasks.TableStorage;

namespace ServerlessTasks.TaskIndex.Tables;

/// <summary>
/// The task index and event journal on Azure Tables, shared by every instance of the app (one storage account,
/// as in Azure). Tasks live in <c>{prefix}Tasks</c>, one partition per workflow; events in <c>{prefix}Events</c>.
/// </summary>
/// <remarks>
/// <para>Several instances may write at once, so every change is conditional: a task row is replaced only with the
/// ETag it was read with (a lost race reads again and decides again, so versions still never go backwards), and one
/// workflow's updates commit in entity-group transactions of up to 100 rows.</para>
/// <para>Waiters of cross-submission dependencies are rows in the dependency's own partition (<c>w!{task}!{waiter}</c>).
/// <see cref="WatchAsync"/> registers one in a transaction with a conditional touch of the dependency's row, so either
/// the registration commits before the dependency's next change (and <see cref="ApplyAsync"/>, which reads the waiters
/// after writing a final state, sees it), or the transaction fails and the watch reads the new state: no lost wake-up.
/// A reverse row in the waiter's partition (<c>r!...</c>) lets a finished waiter remove its registrations.</para>
/// <para><see cref="ListAsync"/> reads the keys of every task row (filtered by status on the server) to order and
/// count them, then the page's rows: its cost grows with the table, fine for an operator's list, not for a hot path.</para>
/// </remarks>
public sealed partial class TableTaskIndex : ITaskIndex, ITaskEventJournal
{
    private const string TaskPrefix = "t!";
    private const string WaiterPrefix = "w!";
    private const string ReversePrefix = "r!";
    private const string DependentPrefix = "d!";
    private const int MaxTransaction = 100;
    private const int ReadConcurrency = 16;
    private const int MaxConflictRetries = 20;

    private static readonly string[] KeyColumns = ["PartitionKey", "RowKey", "Ord"];

    private readonly TableClient _tasks;
    private readonly TableClient _events;
    private readonly Lock _orderGate = new();
    private long _lastOrder;

    /// <summary>Creates the index on <paramref name="service"/>, tables named <c>{prefix}Tasks</c> and <c>{prefix}Events</c>.</summary>
    /// <param name="service">The storage account's table service.</param>
    /// <param name="prefix">Letters and digits starting with a letter; lets several deployments (or tests) share an account.</param>
    public TableTaskIndex(TableServiceClient service, string prefix = "st")
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        if (!char.IsAsciiLetter(prefix[0]) || !prefix.All(char.IsAsciiLetterOrDigit) || prefix.Length > 50)
        {
            throw new ArgumentException("The table prefix must be 1-50 letters and digits, starting with a letter.", nameof(prefix));
        }

        _tasks = service.GetTableClient(prefix + "Tasks");
        _events = service.GetTableClient(prefix + "Events");
    }

    /// <inheritdoc />
    public async Task InitializeAsync(CancellationToken cancellation = default)
    {
        await _tasks.CreateIfNotExistsAsync(cancellation);
        await _events.CreateIfNotExistsAsync(cancellation);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<DependencyWaiter>> ApplyAsync(IReadOnlyList<TaskIndexEntry> updates, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(updates);
        var waiters = new List<DependencyWaiter>();
        foreach (var group in updates.GroupBy(u => u.WorkflowId, StringComparer.Ordinal))
        {
            var finished = await ApplyWorkflowAsync(group.Key, [.. group], cancellation);
            if (finished.Count == 0)
            {
                continue;
            }

            // The workflow's own registrations as a waiter go once one of its tasks is final (a single task's only one).
            await RemoveRegistrationsAsync(group.Key, cancellation);
            waiters.AddRange(await WaitersOfAsync(group.Key, finished, cancellation));
        }

        return waiters;
    }

    /// <inheritdoc />
    public async Task<TaskIndexEntry?> GetAsync(string workflowId, string taskId, CancellationToken cancellation = default) =>
        await ReadTaskAsync(workflowId, taskId, cancellation) is { } row ? ToEntry(row) : null;

    /// <inheritdoc />
    public async Task<IReadOnlyList<TaskIndexEntry>> ListWorkflowAsync(string workflowId, CancellationToken cancellation = default)
    {
        var rows = new List<TableEntity>();
        await foreach (var row in _tasks.QueryAsync<TableEntity>(TableKeys.RowKeyPrefixFilter(TableKeys.Escape(workflowId), TaskPrefix), cancellationToken: cancellation))
        {
            rows.Add(row);
        }

        return [.. rows.OrderBy(r => r.GetInt64("Ord")).ThenBy(r => r.RowKey, StringComparer.Ordinal).Select(ToEntry)];
    }

    /// <inheritdoc />
    public async Task<TaskIndexPage> ListAsync(WorkflowTaskStatus? status, int limit, int offset, CancellationToken cancellation = default)
    {
        var filter = $"RowKey ge '{TaskPrefix}' and RowKey lt '{TableKeys.UpperBound(TaskPrefix)}'"
            + (status is { } s ? string.Create(CultureInfo.InvariantCulture, $" and Status eq {(int)s}") : string.Empty);
        var keys = new List<(string Partition, string Row, long Order)>();
        await foreach (var row in _tasks.QueryAsync<TableEntity>(filter, select: KeyColumns, cancellationToken: cancellation))
        {
            keys.Add((row.PartitionKey, row.RowKey, row.GetInt64("Ord") ?? 0));
        }

        var page = keys.OrderBy(k => k.Order).ThenBy(k => k.Partition, StringComparer.Ordinal).ThenBy(k => k.Row, StringComparer.Ordinal)
            .Skip(offset).Take(limit).ToList();
        var rows = new TableEntity?[page.Count];
        await Parallel.ForAsync(0, page.Count, new ParallelOptions { MaxDegreeOfParallelism = ReadConcurrency, CancellationToken = cancellation }, async (i, token) =>
        {
            var found = await _tasks.GetEntityIfExistsAsync<TableEntity>(page[i].Partition, page[i].Row, cancellationToken: token);
            rows[i] = found.HasValue ? found.Value : null;
        });
        return new TaskIndexPage([.. rows.Where(r => r is not null).Select(r => ToEntry(r!))], keys.Count);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<TaskIndexEntry?>> WatchAsync(IReadOnlyList<(string WorkflowId, string TaskId)> dependencies, string waiterInstanceId, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(dependencies);
        var result = new List<TaskIndexEntry?>(dependencies.Count);
        foreach (var (workflowId, taskId) in dependencies)
        {
            result.Add(await WatchOneAsync(workflowId, taskId, waiterInstanceId, cancellation));
        }

        return result;
    }

    /// <inheritdoc />
    public async Task<RedriveClaim> ClaimRedriveAsync(TaskIndexEntry claim, IReadOnlyCollection<WorkflowTaskStatus> from, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(claim);
        ArgumentNullException.ThrowIfNull(from);
        for (var attempt = 0; ; attempt++)
        {
            var row = await ReadTaskAsync(claim.WorkflowId, claim.TaskId, cancellation);
            var current = row is null ? null : ToEntry(row);
            if (row is null || !RedriveRules.MayClaim(current, claim, from))
            {
                return new RedriveClaim(false, current);
            }

            try
            {
                // Conditional on the ETag read: of two claims on one run, the second finds the row changed.
                await _tasks.UpdateEntityAsync(ToEntity(row.PartitionKey, claim, row.GetInt64("Ord") ?? NextOrder()), row.ETag, TableUpdateMode.Replace, cancellation);
                return new RedriveClaim(true, claim);
            }
            catch (RequestFailedException ex) when (IsConflict(ex) && attempt < MaxConflictRetries)
            {
                // Changed since it was read (another claim, a watch's touch): read and decide again.
            }
        }
    }

    private async Task<TaskIndexEntry?> WatchOneAsync(string workflowId, string taskId, string waiter, CancellationToken cancellation)
    {
        var partition = TableKeys.Escape(workflowId);
        // The dependent row is written whatever the dependency's state (and never removed): an upsert, idempotent.
        await _tasks.UpsertEntityAsync(
            new TableEntity(partition, DependentPrefix + TableKeys.Join(taskId, waiter)) { ["Dependent"] = waiter }, TableUpdateMode.Replace, cancellation);
        for (var attempt = 0; ; attempt++)
        {
            var row = await ReadTaskAsync(workflowId, taskId, cancellation);
            if (row is null)
            {
                return null;
            }

            var entry = ToEntry(row);
            if (entry.IsTerminal)
            {
                return entry;
            }

            // The reverse row first: one left behind by a failure below only costs a harmless delete later.
            var reverse = new TableEntity(TableKeys.Escape(waiter), ReversePrefix + TableKeys.Join(workflowId, taskId));
            await _tasks.UpsertEntityAsync(reverse, TableUpdateMode.Replace, cancellation);
            var forward = new TableEntity(partition, WaiterPrefix + TableKeys.Join(taskId, waiter)) { ["Waiter"] = waiter };
            var touch = new TableEntity(partition, row.RowKey) { ["WatchedAt"] = DateTimeOffset.UtcNow.UtcTicks };
            try
            {
                await _tasks.SubmitTransactionAsync(
                [
                    new TableTransactionAction(TableTransactionActionType.UpdateMerge, touch, row.ETag),
                    new TableTransactionAction(TableTransactionActionType.UpsertReplace, forward),
                ], cancellation);
                return entry;
            }
            catch (TableTransactionFailedException ex) when (IsConflict(ex) && attempt < MaxConflictRetries)
            {
                // The dependency changed since it was read: read it again (it may have finished).
            }
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> ListDependentsAsync(string workflowId, string taskId, CancellationToken cancellation = default)
    {
        var dependents = new List<string>();
        var prefix = DependentPrefix + TableKeys.Escape(taskId) + TableKeys.Separator;
        await foreach (var row in _tasks.QueryAsync<TableEntity>(TableKeys.RowKeyPrefixFilter(TableKeys.Escape(workflowId), prefix), cancellationToken: cancellation))
        {
            dependents.Add(row.GetString("Dependent"));
        }

        return [.. dependents.Order(StringComparer.Ordinal)];
    }

    /// <summary>Applies one workflow's updates; returns its tasks that are final afterwards.</summary>
    private async Task<List<string>> ApplyWorkflowAsync(string workflowId, IReadOnlyList<TaskIndexEntry> updates, CancellationToken cancellation)
    {
        var partition = TableKeys.Escape(workflowId);
        for (var attempt = 0; ; attempt++)
        {
            var current = await ReadManyAsync(workflowId, updates.Select(u => u.TaskId).Distinct(StringComparer.Ordinal).ToList(), cancellation);
            var next = new Dictionary<string, (TaskIndexEntry Entry, TableEntity? Row, bool Changed)>(StringComparer.Ordinal);
            foreach (var (taskId, row) in current)
            {
                next[taskId] = (ToEntry(row), row, false);
            }

            foreach (var update in updates)
            {
                var known = next.TryGetValue(update.TaskId, out var found) ? found.Entry : null;
                if (TaskIndexEntry.Supersedes(update, known))
                {
                    next[update.TaskId] = (update, found.Row, true);
                }
            }

            var actions = new List<TableTransactionAction>();
            foreach (var (_, (entry, row, changed)) in next)
            {
                if (!changed)
                {
                    continue;
                }

                var order = row?.GetInt64("Ord") ?? NextOrder();
                var entity = ToEntity(partition, entry, order);
                actions.Add(row is null
                    ? new TableTransactionAction(TableTransactionActionType.Add, entity)
                    : new TableTransactionAction(TableTransactionActionType.UpdateReplace, entity, row.ETag));
            }

            try
            {
                foreach (var chunk in actions.Chunk(MaxTransaction))
                {
                    await _tasks.SubmitTransactionAsync(chunk, cancellation);
                }

                return [.. next.Where(n => n.Value.Entry.IsTerminal).Select(n => n.Key)];
            }
            catch (TableTransactionFailedException ex) when (IsConflict(ex) && attempt < MaxConflictRetries)
            {
                // Another instance (or a watch) changed a row since it was read: read and decide again. Chunks that did
                // commit are read back as they are now, so nothing is applied twice or moved backwards.
            }
        }
    }

    private async Task<IEnumerable<DependencyWaiter>> WaitersOfAsync(string workflowId, List<string> finished, CancellationToken cancellation)
    {
        var done = finished.ToHashSet(StringComparer.Ordinal);
        var waiters = new List<DependencyWaiter>();
        await foreach (var row in _tasks.QueryAsync<TableEntity>(TableKeys.RowKeyPrefixFilter(TableKeys.Escape(workflowId), WaiterPrefix), cancellationToken: cancellation))
        {
            var parts = row.RowKey[WaiterPrefix.Length..].Split(TableKeys.Separator);
            var taskId = TableKeys.Unescape(parts[0]);
            if (done.Contains(taskId))
            {
                waiters.Add(new DependencyWaiter(workflowId, taskId, row.GetString("Waiter")));
            }
        }

        return waiters;
    }

    private async Task RemoveRegistrationsAsync(string waiter, CancellationToken cancellation)
    {
        var partition = TableKeys.Escape(waiter);
        await foreach (var reverse in _tasks.QueryAsync<TableEntity>(TableKeys.RowKeyPrefixFilter(partition, ReversePrefix), select: ["PartitionKey", "RowKey"], cancellationToken: cancellation))
        {
            var parts = reverse.RowKey[ReversePrefix.Length..].Split(TableKeys.Separator);
            var (dependencyWorkflow, dependencyTask) = (TableKeys.Unescape(parts[0]), TableKeys.Unescape(parts[1]));
            await DeleteIfExistsAsync(TableKeys.Escape(dependencyWorkflow), WaiterPrefix + TableKeys.Join(dependencyTask, waiter), cancellation);
            await DeleteIfExistsAsync(partition, reverse.RowKey, cancellation);
        }
    }

    private async Task DeleteIfExistsAsync(string partition, string row, CancellationToken cancellation)
    {
        try
        {
            await _tasks.DeleteEntityAsync(partition, row, ETag.All, cancellation);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // Already gone.
        }
    }

    private async Task<TableEntity?> ReadTaskAsync(string workflowId, string taskId, CancellationToken cancellation)
    {
        var found = await _tasks.GetEntityIfExistsAsync<TableEntity>(TableKeys.Escape(workflowId), TaskPrefix + TableKeys.Escape(taskId), cancellationToken: cancellation);
        return found.HasValue ? found.Value : null;
    }

    /// <summary>The rows of <paramref name="taskIds"/> that exist: point reads for a few, the partition's task rows for many.</summary>
    private async Task<Dictionary<string, TableEntity>> ReadManyAsync(string workflowId, List<string> taskIds, CancellationToken cancellation)
    {
        var rows = new Dictionary<string, TableEntity>(StringComparer.Ordinal);
        if (taskIds.Count > MaxTransaction)
        {
            var wanted = taskIds.ToHashSet(StringComparer.Ordinal);
            await foreach (var row in _tasks.QueryAsync<TableEntity>(TableKeys.RowKeyPrefixFilter(TableKeys.Escape(workflowId), TaskPrefix), cancellationToken: cancellation))
            {
                var taskId = TableKeys.Unescape(row.RowKey[TaskPrefix.Length..]);
                if (wanted.Contains(taskId))
                {
                    rows[taskId] = row;
                }
            }

            return rows;
        }

        var found = new TableEntity?[taskIds.Count];
        await Parallel.ForAsync(0, taskIds.Count, new ParallelOptions { MaxDegreeOfParallelism = ReadConcurrency, CancellationToken = cancellation }, async (i, token) =>
            found[i] = await ReadTaskAsync(workflowId, taskIds[i], token));
        for (var i = 0; i < taskIds.Count; i++)
        {
            if (found[i] is { } row)
            {
                rows[taskIds[i]] = row;
            }
        }

        return rows;
    }

    /// <summary>Increasing in this process; across instances it follows their clocks (first-seen order, oldest first).</summary>
    private long NextOrder()
    {
        lock (_orderGate)
        {
            _lastOrder = Math.Max(_lastOrder + 1, DateTimeOffset.UtcNow.UtcTicks);
            return _lastOrder;
        }
    }

    private static bool IsConflict(RequestFailedException ex) => ex.Status is 409 or 412;

    private static TableEntity ToEntity(string partition, TaskIndexEntry e, long order)
    {
        var entity = new TableEntity(partition, TaskPrefix + TableKeys.Escape(e.TaskId))
        {
            ["Kind"] = "t",
            ["WorkflowId"] = e.WorkflowId,
            ["TaskId"] = e.TaskId,
            ["TaskType"] = e.TaskType,
            ["Status"] = (int)e.Status,
            ["Priority"] = e.Priority,
            ["Attempts"] = e.Attempts,
            ["CreatedAt"] = e.CreatedAt.UtcTicks,
            ["StartSeq"] = e.StartSequence,
            ["FinishSeq"] = e.FinishSequence,
            ["Version"] = e.Version,
            ["Redrives"] = e.Redrives,
            ["Ord"] = order,
        };
        if (e.StartedAt is { } started)
        {
            entity["StartedAt"] = started.UtcTicks;
        }

        if (e.CompletedAt is { } completed)
        {
            entity["CompletedAt"] = completed.UtcTicks;
        }

        if (e.WorkerId is not null)
        {
            entity["WorkerId"] = e.WorkerId;
        }

        if (e.Hlc is not null)
        {
            entity["Hlc"] = e.Hlc;
        }

        if (e.Cached)
        {
            entity["Cached"] = true;
        }

        TableText.Set(entity, "Result", e.Result);
        TableText.Set(entity, "Error", e.Error);
        return entity;
    }

    private static TaskIndexEntry ToEntry(TableEntity r) => new()
    {
        WorkflowId = r.GetString("WorkflowId"),
        TaskId = r.GetString("TaskId"),
        TaskType = r.GetString("TaskType"),
        Status = (WorkflowTaskStatus)(r.GetInt32("Status") ?? 0),
        Priority = r.GetInt32("Priority") ?? 0,
        Attempts = r.GetInt32("Attempts") ?? 0,
        Result = TableText.Get(r, "Result"),
        Error = TableText.Get(r, "Error"),
        CreatedAt = new DateTimeOffset(r.GetInt64("CreatedAt") ?? 0, TimeSpan.Zero),
        StartedAt = r.GetInt64("StartedAt") is { } started ? new DateTimeOffset(started, TimeSpan.Zero) : null,
        CompletedAt = r.GetInt64("CompletedAt") is { } completed ? new DateTimeOffset(completed, TimeSpan.Zero) : null,
        StartSequence = r.GetInt64("StartSeq") ?? 0,
        FinishSequence = r.GetInt64("FinishSeq") ?? 0,
        WorkerId = r.GetString("WorkerId"),
        Hlc = r.GetString("Hlc"),
        Version = r.GetInt64("Version") ?? 0,
        Redrives = r.GetInt32("Redrives") ?? 0, // absent on rows written before redrives existed: a first run
        Cached = r.GetBoolean("Cached") ?? false,
    };
}
