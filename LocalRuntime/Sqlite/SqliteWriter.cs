using System.Threading.Channels;
using LocalRuntime.Durable.Stores;
using Microsoft.Data.Sqlite;
using Microsoft.DurableTask.Client;

namespace LocalRuntime.Sqlite;

/// <summary>
/// The store's only writer: one connection, one thread, group commits. Callers queue requests; the
/// loop takes whatever is queued (up to <see cref="SqliteDurableStoreOptions.MaxBatchSize"/>), applies
/// each under its own savepoint inside one transaction, commits once, then completes the callers. While
/// a batch commits, the next one accumulates, so the cost of a commit is shared by everyone waiting.
/// </summary>
internal sealed class SqliteWriter : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly Channel<WriteRequest> _requests = Channel.CreateUnbounded<WriteRequest>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = false, AllowSynchronousContinuations = false });

    private readonly int _maxBatchSize;
    private readonly Thread _thread;
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<WriteRequest> _batch = [];

    /// <summary>Wakes the writer thread directly (no thread-pool hop in between) when it sleeps.</summary>
    private readonly SemaphoreSlim _wake = new(0);

    /// <summary>1 while the writer thread is about to sleep or sleeping on <see cref="_wake"/>.</summary>
    private int _sleeping;

    private readonly Statement _begin;
    private readonly Statement _commit;
    private readonly Statement _rollback;
    private readonly Statement _savepoint;
    private readonly Statement _release;
    private readonly Statement _rollbackToSavepoint;
    private readonly Statement _setMaxId;
    private readonly Statement _selectInstance;
    private readonly Statement _selectStatus;
    private readonly Statement _upsertInstance;
    private readonly Statement _updateInstanceKeepingInput;
    private readonly Statement _upsertInput;
    private readonly Statement _deleteInput;
    private readonly Statement _deleteInstance;
    private readonly Statement _deleteHistory;
    private readonly Statement _deleteInstanceMessages;
    private readonly Statement _deleteInstanceActivities;
    private readonly Statement _nextSeq;
    private readonly Statement _insertHistory;
    private readonly Statement _insertMessage;
    private readonly Statement _deleteMessage;
    private readonly Statement _insertActivity;
    private readonly Statement _deleteActivity;
    private readonly Statement _selectMessages;
    private readonly Statement _selectActivities;
    private readonly Statement _countDequeue;

    /// <summary>The largest id committed so far.</summary>
    private long _maxId;

    /// <summary>The largest id written by the batch in progress.</summary>
    private long _batchMaxId;

    public SqliteWriter(SqliteConnection connection, int maxBatchSize, string threadName)
    {
        _connection = connection;
        _maxBatchSize = Math.Max(1, maxBatchSize);
        _maxId = ReadMaxId();

        _begin = Prepare("BEGIN IMMEDIATE");
        _commit = Prepare("COMMIT");
        _rollback = Prepare("ROLLBACK");
        _savepoint = Prepare("SAVEPOINT request");
        _release = Prepare("RELEASE request");
        _rollbackToSavepoint = Prepare("ROLLBACK TO request");
        _setMaxId = Prepare("UPDATE meta SET value = @v WHERE name = 'max_id'", "@v");
        _selectInstance = Prepare($"SELECT {SqliteSchema.InstanceColumns} FROM instances WHERE instance_key = @k", "@k");
        _selectStatus = Prepare("SELECT status FROM instances WHERE instance_key = @k", "@k");
        _upsertInstance = Prepare(
            """
            INSERT INTO instances (instance_key, instance_id, name, execution_id, status, created_at, last_updated_at,
                                   parent_instance_id, input, output, custom_status, details)
            VALUES (@k, @id, @name, @exec, @status, @created, @updated, @parent, @input, @output, @custom, @details)
            ON CONFLICT (instance_key) DO UPDATE SET
                instance_id = excluded.instance_id, name = excluded.name, execution_id = excluded.execution_id,
                status = excluded.status, created_at = excluded.created_at, last_updated_at = excluded.last_updated_at,
                parent_instance_id = excluded.parent_instance_id, input = excluded.input, output = excluded.output,
                custom_status = excluded.custom_status, details = excluded.details
            """,
            "@k", "@id", "@name", "@exec", "@status", "@created", "@updated", "@parent", "@input", "@output", "@custom", "@details");
        // Checkpoints of a running execution never change its input: leave that column alone rather than
        // rewriting a possibly large JSON document on every episode.
        _updateInstanceKeepingInput = Prepare(
            """
            UPDATE instances SET
                instance_id = @id, name = @name, execution_id = @exec, status = @status, created_at = @created,
                last_updated_at = @updated, parent_instance_id = @parent, output = @output, custom_status = @custom, details = @details
            WHERE instance_key = @k
            """,
            "@k", "@id", "@name", "@exec", "@status", "@created", "@updated", "@parent", "@output", "@custom", "@details");
        _upsertInput = Prepare("INSERT OR REPLACE INTO inputs (instance_key, input) VALUES (@k, @input)", "@k", "@input");
        _deleteInput = Prepare("DELETE FROM inputs WHERE instance_key = @k", "@k");
        _deleteInstance = Prepare("DELETE FROM instances WHERE instance_key = @k", "@k");
        _deleteHistory = Prepare("DELETE FROM history WHERE instance_key = @k", "@k");
        _deleteInstanceMessages = Prepare("DELETE FROM messages WHERE instance_key = @k", "@k");
        _deleteInstanceActivities = Prepare("DELETE FROM activities WHERE instance_key = @k", "@k");
        _nextSeq = Prepare("SELECT COALESCE(MAX(seq) + 1, 0) FROM history WHERE instance_key = @k", "@k");
        _insertHistory = Prepare("INSERT INTO history (instance_key, seq, event) VALUES (@k, @seq, @event)", "@k", "@seq", "@event");
        _insertMessage = Prepare(
            "INSERT OR REPLACE INTO messages (id, instance_key, execution_id, visible_at, event) VALUES (@id, @k, @exec, @visible, @event)",
            "@id", "@k", "@exec", "@visible", "@event");
        _deleteMessage = Prepare("DELETE FROM messages WHERE id = @id", "@id");
        _insertActivity = Prepare(
            """
            INSERT OR REPLACE INTO activities (id, instance_key, execution_id, task_id, name, input, dequeue_count)
            VALUES (@id, @k, @exec, @task, @name, @input, @dequeue)
            """,
            "@id", "@k", "@exec", "@task", "@name", "@input", "@dequeue");
        _deleteActivity = Prepare("DELETE FROM activities WHERE id = @id", "@id");
        _selectMessages = Prepare("SELECT id, instance_key, execution_id, visible_at, event FROM messages ORDER BY id");
        _selectActivities = Prepare("SELECT id, instance_key, execution_id, task_id, name, input, dequeue_count FROM activities ORDER BY id");
        _countDequeue = Prepare("UPDATE activities SET dequeue_count = dequeue_count + 1");

        _thread = new Thread(Run) { IsBackground = true, Name = threadName };
        _thread.Start();
    }

    /// <summary>Queues a request; its task completes after the transaction that applied it commits.</summary>
    public Task<T> Enqueue<T>(WriteRequest<T> request)
    {
        ObjectDisposedException.ThrowIf(!_requests.Writer.TryWrite(request), typeof(SqliteDurableStore));
        WakeWriter();
        return request.Task;
    }

    /// <summary>Stops taking requests, lets the queued ones commit, and waits for the loop to end.</summary>
    public Task StopAsync()
    {
        _requests.Writer.TryComplete();
        WakeWriter();
        return _stopped.Task;
    }

    private void WakeWriter()
    {
        if (Interlocked.Exchange(ref _sleeping, 0) == 1)
        {
            _wake.Release();
        }
    }

    public void Dispose()
    {
        foreach (var statement in new[]
        {
            _begin, _commit, _rollback, _savepoint, _release, _rollbackToSavepoint, _setMaxId, _selectInstance, _selectStatus,
            _upsertInstance, _updateInstanceKeepingInput, _upsertInput, _deleteInput, _deleteInstance, _deleteHistory, _deleteInstanceMessages, _deleteInstanceActivities, _nextSeq,
            _insertHistory, _insertMessage, _deleteMessage, _insertActivity, _deleteActivity, _selectMessages,
            _selectActivities, _countDequeue,
        })
        {
            statement.Dispose();
        }

        _connection.Dispose();
        _wake.Dispose();
    }

    // ---- Operations, run on the writer thread inside a transaction ----

    public CreateInstanceResult CreateInstance(
        PreparedInstance instance, PreparedMessage start, IReadOnlyCollection<OrchestrationRuntimeStatus> blockingStatuses)
    {
        var existing = SelectInstance(instance.Key);
        if (existing is not null)
        {
            if (blockingStatuses.Contains(existing.Status))
            {
                return new CreateInstanceResult(false, existing);
            }

            RemoveInstance(instance.Key);
        }

        UpsertInstance(instance);
        InsertMessage(start);
        return new CreateInstanceResult(true, null);
    }

    public bool RemoveInstance(byte[] key)
    {
        if (_deleteInstance.Set(0, key).Execute() == 0)
        {
            return false;
        }

        _deleteInput.Set(0, key).Execute();
        _deleteHistory.Set(0, key).Execute();
        _deleteInstanceMessages.Set(0, key).Execute();
        _deleteInstanceActivities.Set(0, key).Execute();
        return true;
    }

    public void Checkpoint(
        PreparedInstance state,
        bool replaceHistory,
        string[] newEvents,
        long[] consumed,
        PreparedInstance[] children,
        PreparedMessage[] outbound,
        PreparedActivity[] activities)
    {
        if (replaceHistory || UpdateInstanceKeepingInput(state) == 0)
        {
            UpsertInstance(state);
        }

        long seq;
        if (replaceHistory)
        {
            _deleteHistory.Set(0, state.Key).Execute();
            seq = 0;
        }
        else
        {
            seq = newEvents.Length == 0 ? 0 : (long)_nextSeq.Set(0, state.Key).Scalar()!;
        }

        foreach (var e in newEvents)
        {
            _insertHistory.Set(0, state.Key).Set(1, seq++).Set(2, e).Execute();
        }

        foreach (var id in consumed)
        {
            DeleteMessage(id);
        }

        foreach (var child in children)
        {
            // A child replaces an existing instance only when that one has finished.
            var status = _selectStatus.Set(0, child.Key).Scalar();
            if (status is null || Rows.IsTerminal((OrchestrationRuntimeStatus)(long)status))
            {
                UpsertInstance(child);
                _deleteHistory.Set(0, child.Key).Execute();
            }
        }

        foreach (var message in outbound)
        {
            InsertMessage(message);
        }

        foreach (var activity in activities)
        {
            var item = activity.Item;
            _insertActivity.Set(0, item.Id).Set(1, activity.Key).Set(2, item.ExecutionId).Set(3, item.TaskId)
                .Set(4, item.Name).Set(5, item.Input).Set(6, item.DequeueCount).Execute();
            _batchMaxId = Math.Max(_batchMaxId, item.Id);
        }
    }

    public bool CompleteActivity(long workItemId, PreparedMessage result)
    {
        if (_deleteActivity.Set(0, workItemId).Execute() == 0)
        {
            return false;
        }

        InsertMessage(result);
        return true;
    }

    public void InsertMessage(PreparedMessage message)
    {
        _insertMessage.Set(0, message.Id).Set(1, message.Key).Set(2, message.ExecutionId).Set(3, message.VisibleAt).Set(4, message.Event).Execute();
        _batchMaxId = Math.Max(_batchMaxId, message.Id);
    }

    public void DeleteMessage(long id) => _deleteMessage.Set(0, id).Execute();

    /// <summary>
    /// Everything unconsumed, read in the writer's transaction (a consistent snapshot). Handing the
    /// activities out counts as a delivery: their stored dequeue count goes up by one, so after each
    /// restart the count the engine sees is one higher (the returned items carry the count before).
    /// </summary>
    public PendingWork LoadPendingWork()
    {
        var messages = new List<Durable.Engine.OrchestrationMessage>();
        using (var reader = _selectMessages.Query())
        {
            while (reader.Read())
            {
                messages.Add(Rows.ReadMessage(reader));
            }
        }

        var activities = new List<Durable.Engine.ActivityWorkItem>();
        using (var reader = _selectActivities.Query())
        {
            while (reader.Read())
            {
                activities.Add(Rows.ReadActivity(reader));
            }
        }

        if (activities.Count > 0)
        {
            _countDequeue.Execute();
        }

        var maxId = _maxId;
        if (messages.Count > 0)
        {
            maxId = Math.Max(maxId, messages[^1].Id);
        }

        if (activities.Count > 0)
        {
            maxId = Math.Max(maxId, activities[^1].Id);
        }

        return new PendingWork(messages, activities, maxId);
    }

    // ---- The loop ----

    private void Run()
    {
        var reader = _requests.Reader;
        try
        {
            while (true)
            {
                if (!reader.TryRead(out var first))
                {
                    // Announce the sleep, then look again: a request queued in between either is seen here
                    // or finds the flag set and releases the semaphore, so no wake-up is lost.
                    Volatile.Write(ref _sleeping, 1);
                    if (reader.TryRead(out first))
                    {
                        Interlocked.Exchange(ref _sleeping, 0);
                    }
                    else if (reader.Completion.IsCompleted)
                    {
                        break;
                    }
                    else
                    {
                        _wake.Wait();
                        continue;
                    }
                }

                _batch.Add(first);
                while (_batch.Count < _maxBatchSize && reader.TryRead(out var next))
                {
                    _batch.Add(next);
                }

                try
                {
                    ExecuteBatch(_batch);
                }
                catch (Exception ex)
                {
                    // Not expected (ExecuteBatch handles store errors); never let the loop die with callers waiting.
                    foreach (var request in _batch)
                    {
                        request.Fail(ex);
                    }
                }

                _batch.Clear();
            }
        }
        finally
        {
            _stopped.TrySetResult();
        }
    }

    private void ExecuteBatch(List<WriteRequest> batch)
    {
        var active = 0;
        foreach (var request in batch)
        {
            // A caller that gave up before its turn is not applied.
            request.Skipped = request.Cancellation.IsCancellationRequested;
            if (request.Skipped)
            {
                request.Cancel();
            }
            else
            {
                active++;
            }
        }

        if (active == 0)
        {
            return;
        }

        _batchMaxId = _maxId;
        try
        {
            _begin.Execute();
            foreach (var request in batch)
            {
                if (!request.Skipped)
                {
                    ApplyOne(request);
                }
            }

            if (_batchMaxId > _maxId)
            {
                _setMaxId.Set(0, _batchMaxId).Execute();
            }

            _commit.Execute();
        }
        catch (Exception ex)
        {
            // The transaction as a whole failed (I/O error, disk full, lock timeout): nothing of the
            // batch is stored, every caller sees the error and may retry.
            TryRollback();
            foreach (var request in batch)
            {
                request.Fail(ex);
            }

            return;
        }

        _maxId = _batchMaxId;
        foreach (var request in batch)
        {
            if (request.Skipped)
            {
                continue;
            }

            if (request.Error is { } error)
            {
                request.Fail(error);
            }
            else
            {
                request.Succeed();
            }
        }
    }

    private void ApplyOne(WriteRequest request)
    {
        _savepoint.Execute();
        try
        {
            request.Apply(this);
            _release.Execute();
        }
        catch (Exception ex) when (ex is not SqliteException { SqliteErrorCode: SQLitePCL.raw.SQLITE_FULL or SQLitePCL.raw.SQLITE_IOERR or SQLitePCL.raw.SQLITE_NOMEM })
        {
            // Only this request's changes are undone; the others in the batch still commit.
            request.Error = ex;
            _rollbackToSavepoint.Execute();
            _release.Execute();
        }
    }

    private void TryRollback()
    {
        try
        {
            _rollback.Execute();
        }
        catch (SqliteException)
        {
            // No transaction left to roll back (SQLite already rolled it back after the error).
        }
    }

    private void UpsertInstance(PreparedInstance instance)
    {
        var s = instance.State;
        _upsertInstance.Set(0, instance.Key).Set(1, s.InstanceId).Set(2, s.Name).Set(3, s.ExecutionId).Set(4, (int)s.Status)
            .Set(5, StoredJson.ToUtcTicks(s.CreatedAt)).Set(6, StoredJson.ToUtcTicks(s.LastUpdatedAt)).Set(7, s.ParentInstanceId)
            .Set(8, null).Set(9, s.Output).Set(10, s.CustomStatus).Set(11, instance.Details).Execute();
        _upsertInput.Set(0, instance.Key).Set(1, s.Input).Execute();
    }

    private int UpdateInstanceKeepingInput(PreparedInstance instance)
    {
        var s = instance.State;
        return _updateInstanceKeepingInput.Set(0, instance.Key).Set(1, s.InstanceId).Set(2, s.Name).Set(3, s.ExecutionId).Set(4, (int)s.Status)
            .Set(5, StoredJson.ToUtcTicks(s.CreatedAt)).Set(6, StoredJson.ToUtcTicks(s.LastUpdatedAt)).Set(7, s.ParentInstanceId)
            .Set(8, s.Output).Set(9, s.CustomStatus).Set(10, instance.Details).Execute();
    }

    private Durable.Engine.InstanceState? SelectInstance(byte[] key)
    {
        using var reader = _selectInstance.Set(0, key).Query();
        return reader.Read() ? Rows.ReadInstance(reader) : null;
    }

    private long ReadMaxId()
    {
        using var command = _connection.CreateCommand();
        command.CommandText = """
            SELECT MAX((SELECT value FROM meta WHERE name = 'max_id'),
                       COALESCE((SELECT MAX(id) FROM messages), 0),
                       COALESCE((SELECT MAX(id) FROM activities), 0))
            """;
        return (long)command.ExecuteScalar()!;
    }

    private Statement Prepare(string sql, params string[] parameters) => new(_connection, sql, parameters);
}
