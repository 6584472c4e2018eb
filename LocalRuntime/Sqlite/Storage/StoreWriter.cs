using DurableTask.Core;
using Microsoft.Data.Sqlite;

namespace LocalRuntime.Sqlite.Storage;

/// <summary>
/// The writer connection's prepared statements, used only on the writer thread inside a batch transaction.
/// Ids of messages and activities come from <see cref="NextId"/>: a counter persisted per batch (never reused after
/// a restart, so a late completion can never name a newer work item).
/// </summary>
internal sealed class StoreWriter : IDisposable
{
    private readonly List<Statement> _statements = [];
    private readonly Statement _selectInstance;
    private readonly Statement _insertInstance;
    private readonly Statement _updateInstance;
    private readonly Statement _updateStatus;
    private readonly Statement _upsertInput;
    private readonly Statement _deleteInput;
    private readonly Statement _deleteInstance;
    private readonly Statement _deleteHistory;
    private readonly Statement _insertHistory;
    private readonly Statement _insertMessage;
    private readonly Statement _deleteMessage;
    private readonly Statement _deleteMessagesOf;
    private readonly Statement _insertActivity;
    private readonly Statement _deleteActivity;
    private readonly Statement _deleteActivitiesOf;
    private readonly Statement _setNextId;
    private long _committedNextId;

    public StoreWriter(SqliteConnection connection)
    {
        Connection = connection;
        _selectInstance = Prepare("SELECT status, execution_id, generation, name FROM instances WHERE instance_key = @k", "@k");
        _insertInstance = Prepare(
            """
            INSERT OR REPLACE INTO instances (instance_key, instance_id, execution_id, name, version, status, created_at, last_updated_at,
                completed_at, scheduled_start, generation, is_entity, output, custom_status, failure, tags, parent)
            VALUES (@k, @id, @exec, @name, @version, @status, @created, @updated, @completed, @scheduled, @generation, @entity,
                @output, @custom, @failure, @tags, @parent)
            """,
            "@k", "@id", "@exec", "@name", "@version", "@status", "@created", "@updated", "@completed", "@scheduled", "@generation",
            "@entity", "@output", "@custom", "@failure", "@tags", "@parent");
        _updateInstance = Prepare(
            """
            UPDATE instances SET execution_id = @exec, name = @name, version = @version, status = @status, created_at = @created,
                last_updated_at = @updated, completed_at = @completed, scheduled_start = @scheduled, generation = @generation,
                output = @output, custom_status = @custom, failure = @failure, tags = @tags, parent = @parent
            WHERE instance_key = @k
            """,
            "@k", "@exec", "@name", "@version", "@status", "@created", "@updated", "@completed", "@scheduled", "@generation",
            "@output", "@custom", "@failure", "@tags", "@parent");
        _updateStatus = Prepare(
            "UPDATE instances SET status = @status, last_updated_at = @updated, completed_at = @completed, output = COALESCE(@output, output) WHERE instance_key = @k",
            "@k", "@status", "@updated", "@completed", "@output");
        _upsertInput = Prepare("INSERT OR REPLACE INTO inputs (instance_key, input) VALUES (@k, @input)", "@k", "@input");
        _deleteInput = Prepare("DELETE FROM inputs WHERE instance_key = @k", "@k");
        _deleteInstance = Prepare("DELETE FROM instances WHERE instance_key = @k", "@k");
        _deleteHistory = Prepare("DELETE FROM history WHERE instance_key = @k", "@k");
        _insertHistory = Prepare("INSERT INTO history (instance_key, seq, event) VALUES (@k, @seq, @event)", "@k", "@seq", "@event");
        _insertMessage = Prepare(
            "INSERT INTO messages (id, instance_key, visible_at, message) VALUES (@id, @k, @visible, @message)", "@id", "@k", "@visible", "@message");
        _deleteMessage = Prepare("DELETE FROM messages WHERE id = @id", "@id");
        _deleteMessagesOf = Prepare("DELETE FROM messages WHERE instance_key = @k", "@k");
        _insertActivity = Prepare("INSERT INTO activities (id, instance_key, message) VALUES (@id, @k, @message)", "@id", "@k", "@message");
        _deleteActivity = Prepare("DELETE FROM activities WHERE id = @id", "@id");
        _deleteActivitiesOf = Prepare("DELETE FROM activities WHERE instance_key = @k", "@k");
        _setNextId = Prepare("UPDATE meta SET value = @v WHERE name = 'next_id'", "@v");
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT value FROM meta WHERE name = 'next_id'";
            _committedNextId = (long)command.ExecuteScalar()!;
        }

        PendingNextId = _committedNextId;
    }

    public SqliteConnection Connection { get; }

    /// <summary>The next id the batch in progress hands out.</summary>
    public long PendingNextId { get; private set; }

    public long NextId() => PendingNextId++;

    /// <summary>What an existing instance row says, or null.</summary>
    public InstanceHead? SelectInstance(byte[] key)
    {
        using var reader = _selectInstance.Set(0, key).Query();
        return reader.Read()
            ? new InstanceHead((OrchestrationStatus)reader.GetInt32(0), reader.GetString(1), reader.GetInt32(2), reader.GetString(3))
            : null;
    }

    /// <summary>Writes a whole instance row (a new instance or a new execution) and its input.</summary>
    public void InsertInstance(byte[] key, OrchestrationState state, bool isEntity)
    {
        _insertInstance.Set(0, key).Set(1, state.OrchestrationInstance.InstanceId).Set(2, state.OrchestrationInstance.ExecutionId ?? string.Empty)
            .Set(3, state.Name ?? string.Empty).Set(4, state.Version).Set(5, (int)state.OrchestrationStatus).Set(6, DataJson.Ticks(state.CreatedTime))
            .Set(7, DataJson.Ticks(state.LastUpdatedTime)).Set(8, CompletedTicks(state)).Set(9, DataJson.Ticks(state.ScheduledStartTime))
            .Set(10, state.Generation ?? 0).Set(11, isEntity ? 1 : 0).Set(12, state.Output).Set(13, state.Status)
            .Set(14, DataJson.SerializeOrNull(state.FailureDetails)).Set(15, Tags(state)).Set(16, DataJson.SerializeOrNull(state.ParentInstance))
            .Execute();
        _upsertInput.Set(0, key).Set(1, state.Input).Execute();
    }

    /// <summary>Updates an instance row from a checkpoint's state; the input only when <paramref name="writeInput"/>.</summary>
    public int UpdateInstance(byte[] key, OrchestrationState state, bool writeInput)
    {
        var rows = _updateInstance.Set(0, key).Set(1, state.OrchestrationInstance.ExecutionId ?? string.Empty).Set(2, state.Name ?? string.Empty)
            .Set(3, state.Version).Set(4, (int)state.OrchestrationStatus).Set(5, DataJson.Ticks(state.CreatedTime))
            .Set(6, DataJson.Ticks(state.LastUpdatedTime)).Set(7, CompletedTicks(state)).Set(8, DataJson.Ticks(state.ScheduledStartTime))
            .Set(9, state.Generation ?? 0).Set(10, state.Output).Set(11, state.Status).Set(12, DataJson.SerializeOrNull(state.FailureDetails))
            .Set(13, Tags(state)).Set(14, DataJson.SerializeOrNull(state.ParentInstance)).Execute();
        if (rows > 0 && writeInput)
        {
            _upsertInput.Set(0, key).Set(1, state.Input).Execute();
        }

        return rows;
    }

    public void UpdateStatus(byte[] key, OrchestrationStatus status, DateTime now, string? output)
    {
        var terminal = status is OrchestrationStatus.Completed or OrchestrationStatus.Failed or OrchestrationStatus.Terminated or OrchestrationStatus.Canceled;
        _updateStatus.Set(0, key).Set(1, (int)status).Set(2, DataJson.Ticks(now)).Set(3, terminal ? DataJson.Ticks(now) : null).Set(4, output).Execute();
    }

    /// <summary>Deletes an instance and everything of it (input, history, messages, activity work items).</summary>
    public bool DeleteInstance(byte[] key)
    {
        var deleted = _deleteInstance.Set(0, key).Execute() > 0;
        _deleteInput.Set(0, key).Execute();
        _deleteHistory.Set(0, key).Execute();
        _deleteMessagesOf.Set(0, key).Execute();
        _deleteActivitiesOf.Set(0, key).Execute();
        return deleted;
    }

    public void DeleteHistory(byte[] key) => _deleteHistory.Set(0, key).Execute();

    public void InsertHistory(byte[] key, long seq, string eventJson) => _insertHistory.Set(0, key).Set(1, seq).Set(2, eventJson).Execute();

    public void InsertMessage(long id, byte[] key, long visibleAtTicks, string messageJson) =>
        _insertMessage.Set(0, id).Set(1, key).Set(2, visibleAtTicks).Set(3, messageJson).Execute();

    public void DeleteMessage(long id) => _deleteMessage.Set(0, id).Execute();

    public void DeleteMessagesOf(byte[] key) => _deleteMessagesOf.Set(0, key).Execute();

    public void InsertActivity(long id, byte[] key, string messageJson) => _insertActivity.Set(0, id).Set(1, key).Set(2, messageJson).Execute();

    /// <summary>Deletes an activity work item; false when it is already gone (its result was committed before).</summary>
    public bool DeleteActivity(long id) => _deleteActivity.Set(0, id).Execute() > 0;

    public void DeleteActivitiesOf(byte[] key) => _deleteActivitiesOf.Set(0, key).Execute();

    /// <summary>Persists the id counter if the batch used ids (inside the batch transaction).</summary>
    public void SaveNextId()
    {
        if (PendingNextId != _committedNextId)
        {
            _setNextId.Set(0, PendingNextId).Execute();
        }
    }

    /// <summary>After COMMIT (<paramref name="committed"/>) or ROLLBACK: the counter is what the file says.</summary>
    public void EndBatch(bool committed)
    {
        if (committed)
        {
            _committedNextId = PendingNextId;
        }
        else
        {
            // Ids handed out in a rolled-back batch are never stored; they may be reused.
            PendingNextId = _committedNextId;
        }
    }

    public void Dispose()
    {
        foreach (var statement in _statements)
        {
            statement.Dispose();
        }
    }

    private static long? CompletedTicks(OrchestrationState state) =>
        state.CompletedTime == DateTime.MaxValue || state.CompletedTime == default ? null : DataJson.Ticks(state.CompletedTime);

    private static string? Tags(OrchestrationState state) => state.Tags is { Count: > 0 } tags ? DataJson.SerializeOrNull(tags) : null;

    private Statement Prepare(string sql, params string[] parameters)
    {
        var statement = new Statement(Connection, sql, parameters);
        _statements.Add(statement);
        return statement;
    }
}

/// <summary>The few columns of an instance row the writer decides on.</summary>
internal sealed record InstanceHead(OrchestrationStatus Status, string ExecutionId, int Generation, string Name);
