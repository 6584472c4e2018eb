using System.Globalization;
using Microsoft.Data.Sqlite;
using ServerlessTasks.Domain.Clock;
using static ServerlessTasks.SqliteStore.SerialSqlite;

namespace ServerlessTasks.TaskIndex;

/// <summary>The event journal half of the SQLite index: tables <c>task_events</c> and <c>clock_marks</c> in the same file.</summary>
public sealed partial class SqliteTaskIndex
{
    // Stamps are stored as their packed value (below 2^63 until the year 6429, so signed order is stamp order) and node.
    private const string EventSchema = """
        CREATE TABLE IF NOT EXISTS task_events (
          workflow_id TEXT NOT NULL, task_id TEXT NOT NULL, kind INTEGER NOT NULL, attempt INTEGER NOT NULL,
          hlc INTEGER NOT NULL, node TEXT NOT NULL, at INTEGER NOT NULL, detail TEXT,
          PRIMARY KEY (workflow_id, task_id, kind, attempt));
        CREATE INDEX IF NOT EXISTS task_events_by_hlc ON task_events (hlc, node);
        CREATE INDEX IF NOT EXISTS task_events_by_workflow ON task_events (workflow_id, hlc, node);
        CREATE TABLE IF NOT EXISTS clock_marks (node TEXT NOT NULL PRIMARY KEY, hlc INTEGER NOT NULL);
        """;

    private const string EventColumns = "workflow_id, task_id, kind, attempt, hlc, node, at, detail";
    private const string EventOrder = "ORDER BY hlc, node, workflow_id, task_id, kind, attempt";

    /// <inheritdoc />
    public event Action? Appended;

    /// <inheritdoc />
    public async Task AppendAsync(IReadOnlyList<TaskEvent> events, HlcTimestamp? highWaterMark = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        var added = await InTransactionAsync(connection =>
        {
            var count = 0;
            foreach (var e in events)
            {
                count += Execute(connection, $"INSERT OR IGNORE INTO task_events ({EventColumns}) VALUES ($wf, $t, $k, $a, $h, $n, $at, $d)",
                    ("$wf", e.WorkflowId), ("$t", e.TaskId ?? string.Empty), ("$k", (int)e.Kind), ("$a", e.Attempt),
                    ("$h", (long)e.Hlc.Packed), ("$n", e.Hlc.NodeId), ("$at", e.At.UtcTicks), ("$d", e.Detail));
            }

            if (highWaterMark is { } mark)
            {
                Execute(connection, "INSERT INTO clock_marks (node, hlc) VALUES ($n, $h) ON CONFLICT (node) DO UPDATE SET hlc = MAX(hlc, excluded.hlc)",
                    ("$n", mark.NodeId), ("$h", (long)mark.Packed));
            }

            return count;
        }, cancellation);
        if (added > 0)
        {
            Appended?.Invoke();
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<TaskEvent>> ListWorkflowEventsAsync(string workflowId, CancellationToken cancellation = default) =>
        InTransactionAsync<IReadOnlyList<TaskEvent>>(connection => ReadEvents(Command(connection,
            $"SELECT {EventColumns} FROM task_events WHERE workflow_id = $wf {EventOrder}", ("$wf", workflowId))), cancellation);

    /// <inheritdoc />
    public Task<IReadOnlyList<TaskEvent>> ListTaskEventsAsync(string workflowId, string taskId, CancellationToken cancellation = default) =>
        InTransactionAsync<IReadOnlyList<TaskEvent>>(connection => ReadEvents(Command(connection,
            $"SELECT {EventColumns} FROM task_events WHERE workflow_id = $wf AND task_id = $t {EventOrder}", ("$wf", workflowId), ("$t", taskId))), cancellation);

    /// <inheritdoc />
    public Task<IReadOnlyList<TaskEvent>> ReadAfterAsync(HlcTimestamp? after, HlcTimestamp? upTo, string? workflowId, int limit, CancellationToken cancellation = default) =>
        InTransactionAsync<IReadOnlyList<TaskEvent>>(connection =>
        {
            var where = new List<string>();
            var parameters = new List<(string, object?)> { ("$limit", limit) };
            if (after is { } a)
            {
                where.Add("(hlc > $ah OR (hlc = $ah AND node > $an))");
                parameters.Add(("$ah", (long)a.Packed));
                parameters.Add(("$an", a.NodeId));
            }

            if (upTo is { } u)
            {
                where.Add("(hlc < $uh OR (hlc = $uh AND node <= $un))");
                parameters.Add(("$uh", (long)u.Packed));
                parameters.Add(("$un", u.NodeId));
            }

            if (workflowId is not null)
            {
                where.Add("workflow_id = $wf");
                parameters.Add(("$wf", workflowId));
            }

            var filter = where.Count == 0 ? string.Empty : "WHERE " + string.Join(" AND ", where);
            return ReadEvents(Command(connection, $"SELECT {EventColumns} FROM task_events {filter} {EventOrder} LIMIT $limit", [.. parameters]));
        }, cancellation);

    /// <inheritdoc />
    public Task<HlcTimestamp?> GetHighWaterMarkAsync(CancellationToken cancellation = default) =>
        InTransactionAsync<HlcTimestamp?>(connection =>
        {
            using var command = Command(connection, "SELECT MAX(m) FROM (SELECT MAX(hlc) AS m FROM task_events UNION ALL SELECT MAX(hlc) FROM clock_marks)");
            var value = command.ExecuteScalar();
            return value is null or DBNull ? null : HlcTimestamp.FromPacked((ulong)Convert.ToInt64(value, CultureInfo.InvariantCulture));
        }, cancellation);

    private static List<TaskEvent> ReadEvents(SqliteCommand command)
    {
        using (command)
        {
            using var r = command.ExecuteReader();
            var list = new List<TaskEvent>();
            while (r.Read())
            {
                var taskId = r.GetString(1);
                list.Add(new TaskEvent
                {
                    WorkflowId = r.GetString(0),
                    TaskId = taskId.Length == 0 ? null : taskId,
                    Kind = (TaskEventKind)r.GetInt32(2),
                    Attempt = r.GetInt32(3),
                    Hlc = HlcTimestamp.FromPacked((ulong)r.GetInt64(4), r.GetString(5)),
                    At = new DateTimeOffset(r.GetInt64(6), TimeSpan.Zero),
                    Detail = r.IsDBNull(7) ? null : r.GetString(7),
                });
            }

            return list;
        }
    }
}
