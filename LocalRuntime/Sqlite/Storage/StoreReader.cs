using System.Globalization;
using System.Text;
using DurableTask.Core;
using DurableTask.Core.History;
using DurableTask.Core.Query;
using Microsoft.Data.Sqlite;

namespace LocalRuntime.Sqlite.Storage;

/// <summary>A read connection with its prepared statements (state reads leave the input out unless asked).</summary>
internal sealed class StoreReader : IDisposable
{
    private readonly Statement _getState;
    private readonly Statement _getStateWithoutInput;
    private readonly Statement _getHistory;

    public StoreReader(SqliteConnection connection)
    {
        Connection = connection;
        _getState = new Statement(connection, SqliteSchema.StateSelect(withInput: true) + " WHERE instance_key = @k", "@k");
        _getStateWithoutInput = new Statement(connection, SqliteSchema.StateSelect(withInput: false) + " WHERE instance_key = @k", "@k");
        _getHistory = new Statement(connection, "SELECT event FROM history WHERE instance_key = @k ORDER BY seq", "@k");
    }

    public SqliteConnection Connection { get; }

    public OrchestrationState? GetState(string instanceId, bool withInput)
    {
        using var reader = (withInput ? _getState : _getStateWithoutInput).Set(0, InstanceKey.Encode(instanceId)).Query();
        return reader.Read() ? Rows.ReadState(reader) : null;
    }

    public List<HistoryEvent> GetHistory(string instanceId)
    {
        var history = new List<HistoryEvent>();
        using var reader = _getHistory.Set(0, InstanceKey.Encode(instanceId)).Query();
        while (reader.Read())
        {
            history.Add(DataJson.DeserializeEvent(reader.GetString(0)));
        }

        return history;
    }

    /// <summary>
    /// One indexed query: instance key order gives the page order, the continuation (the last key, hex) and the
    /// prefix range; the status and creation-time indexes serve selective filters. One row more than the page
    /// tells whether another page follows.
    /// </summary>
    public OrchestrationQueryResult Query(OrchestrationQuery query)
    {
        using var command = Connection.CreateCommand();
        var sql = new StringBuilder("SELECT ").Append(SqliteSchema.StateColumnsFor(query.FetchInputsAndOutputs))
            .Append(", instance_key FROM instances WHERE 1 = 1");
        if (query.ContinuationToken is { Length: > 0 } token)
        {
            sql.Append(" AND instance_key > @after");
            command.Parameters.AddWithValue("@after", Convert.FromHexString(token));
        }

        if (!string.IsNullOrEmpty(query.InstanceIdPrefix))
        {
            var prefix = InstanceKey.Encode(query.InstanceIdPrefix);
            sql.Append(" AND instance_key >= @prefix");
            command.Parameters.AddWithValue("@prefix", prefix);
            if (InstanceKey.PrefixUpperBound(prefix) is { } upper)
            {
                sql.Append(" AND instance_key < @upper");
                command.Parameters.AddWithValue("@upper", upper);
            }
        }

        AppendFilter(sql, command, query.CreatedTimeFrom, query.CreatedTimeTo, query.RuntimeStatus);
        if (query.ExcludeEntities)
        {
            sql.Append(" AND is_entity = 0");
        }

        var pageSize = Math.Max(1, query.PageSize);
        sql.Append(" ORDER BY instance_key LIMIT @take");
        command.Parameters.AddWithValue("@take", (long)pageSize + 1);
        command.CommandText = sql.ToString();
        var states = new List<OrchestrationState>();
        byte[]? lastKey = null;
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                if (states.Count == pageSize)
                {
                    return new OrchestrationQueryResult(Strip(states, query.FetchInputsAndOutputs), Convert.ToHexString(lastKey!));
                }

                var state = Rows.ReadState(reader);
                states.Add(state);
                lastKey = (byte[])reader.GetValue(16);
            }
        }

        return new OrchestrationQueryResult(Strip(states, query.FetchInputsAndOutputs), null);
    }

    /// <summary>The ids of instances a purge filter selects.</summary>
    public List<string> SelectIds(DateTime createdFrom, DateTime? createdTo, ICollection<OrchestrationStatus>? statuses)
    {
        using var command = Connection.CreateCommand();
        var sql = new StringBuilder("SELECT instance_id FROM instances WHERE 1 = 1");
        AppendFilter(sql, command, createdFrom == default ? null : createdFrom, createdTo, statuses);
        command.CommandText = sql.ToString();
        var ids = new List<string>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    public void Dispose()
    {
        _getState.Dispose();
        _getStateWithoutInput.Dispose();
        _getHistory.Dispose();
        Connection.Dispose();
    }

    private static void AppendFilter(StringBuilder sql, SqliteCommand command, DateTime? from, DateTime? to, ICollection<OrchestrationStatus>? statuses)
    {
        if (from is { } f && f != default)
        {
            sql.Append(" AND created_at >= @from");
            command.Parameters.AddWithValue("@from", DataJson.Ticks(f));
        }

        if (to is { } t && t != default)
        {
            sql.Append(" AND created_at <= @to");
            command.Parameters.AddWithValue("@to", DataJson.Ticks(t));
        }

        if (statuses is { Count: > 0 })
        {
            sql.Append(" AND status IN (");
            var i = 0;
            foreach (var status in statuses.Distinct())
            {
                var name = "@s" + i.ToString(CultureInfo.InvariantCulture);
                sql.Append(i++ == 0 ? string.Empty : ", ").Append(name);
                command.Parameters.AddWithValue(name, (int)status);
            }

            sql.Append(')');
        }
    }

    private static List<OrchestrationState> Strip(List<OrchestrationState> states, bool withInputsAndOutputs)
    {
        if (!withInputsAndOutputs)
        {
            foreach (var state in states)
            {
                state.Input = null;
                state.Output = null;
            }
        }

        return states;
    }
}
