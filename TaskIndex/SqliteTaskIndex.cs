using Microsoft.Data.Sqlite;
using ServerlessTasks.Domain.Model;
using ServerlessTasks.SqliteStore;
using static ServerlessTasks.SqliteStore.SerialSqlite;

namespace ServerlessTasks.TaskIndex;

/// <summary>
/// The task index in a SQLite file (WAL). One connection, one writer at a time; every call is one
/// transaction (<see cref="SerialSqlite"/>), so an update batch and the waiters it reports are consistent.
/// </summary>
public sealed partial class SqliteTaskIndex : ITaskIndex, ITaskEventJournal, IAsyncDisposable
{
    private const string Columns =
        "workflow_id, task_id, task_type, status, priority, attempts, result, error, created_at, started_at, completed_at, start_seq, finish_seq, worker_id, hlc, version, redrives, cached";

    private readonly SerialSqlite _db;
    private long _order;

    /// <summary>Creates the index over a file (created with its folder when missing).</summary>
    public SqliteTaskIndex(string path) => _db = new SerialSqlite(FileConnectionString(path), Open);

    /// <inheritdoc />
    public Task InitializeAsync(CancellationToken cancellation = default) => InTransactionAsync(_ => 0, cancellation);

    /// <inheritdoc />
    public Task<IReadOnlyList<DependencyWaiter>> ApplyAsync(IReadOnlyList<TaskIndexEntry> updates, CancellationToken cancellation = default) =>
        InTransactionAsync<IReadOnlyList<DependencyWaiter>>(connection =>
        {
            var finished = new List<(string, string)>();
            foreach (var update in updates)
            {
                var (current, order) = Read(connection, update.WorkflowId, update.TaskId);
                if (TaskIndexEntry.Supersedes(update, current))
                {
                    Write(connection, update, current is null ? ++_order : order);
                    current = update;
                }

                if (current!.IsTerminal)
                {
                    finished.Add((update.WorkflowId, update.TaskId));
                    Execute(connection, "DELETE FROM waiters WHERE waiter = $w", ("$w", update.WorkflowId));
                }
            }

            var waiters = new List<DependencyWaiter>();
            foreach (var (workflowId, taskId) in finished.Distinct())
            {
                using var query = Command(connection, "SELECT waiter FROM waiters WHERE dep_workflow = $wf AND dep_task = $t", ("$wf", workflowId), ("$t", taskId));
                using var reader = query.ExecuteReader();
                while (reader.Read())
                {
                    waiters.Add(new DependencyWaiter(workflowId, taskId, reader.GetString(0)));
                }
            }

            return waiters;
        }, cancellation);

    /// <inheritdoc />
    public Task<TaskIndexEntry?> GetAsync(string workflowId, string taskId, CancellationToken cancellation = default) =>
        InTransactionAsync(connection => Read(connection, workflowId, taskId).Entry, cancellation);

    /// <inheritdoc />
    public Task<IReadOnlyList<TaskIndexEntry>> ListWorkflowAsync(string workflowId, CancellationToken cancellation = default) =>
        InTransactionAsync<IReadOnlyList<TaskIndexEntry>>(connection =>
            ReadAll(Command(connection, $"SELECT {Columns} FROM tasks WHERE workflow_id = $wf ORDER BY ord", ("$wf", workflowId))), cancellation);

    /// <inheritdoc />
    public Task<TaskIndexPage> ListAsync(WorkflowTaskStatus? status, int limit, int offset, CancellationToken cancellation = default) =>
        InTransactionAsync(connection =>
        {
            var where = status is null ? string.Empty : "WHERE status = $s";
            var parameters = status is null ? [] : new (string, object?)[] { ("$s", (int)status) };
            using var count = Command(connection, $"SELECT COUNT(*) FROM tasks {where}", parameters);
            var total = Convert.ToInt32(count.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
            var items = ReadAll(Command(connection, $"SELECT {Columns} FROM tasks {where} ORDER BY ord LIMIT $limit OFFSET $offset",
                [.. parameters, ("$limit", limit), ("$offset", offset)]));
            return new TaskIndexPage(items, total);
        }, cancellation);

    /// <inheritdoc />
    public Task<TaskIndexPage> QueryAsync(TaskQuery query, int limit, int offset, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var conditions = new List<string>();
        var parameters = new List<(string, object?)>();
        if (query.Status is { } status)
        {
            conditions.Add("status = $s");
            parameters.Add(("$s", (int)status));
        }

        if (query.Priority is { } priority)
        {
            conditions.Add("priority = $p");
            parameters.Add(("$p", priority));
        }

        if (query.Prefix is { } prefix)
        {
            // Byte prefixes of the UTF-8 text: the ordinal StartsWith of TaskQuery.Matches, whatever the characters.
            conditions.Add("(substr(CAST(task_id AS BLOB), 1, length(CAST($prefix AS BLOB))) = CAST($prefix AS BLOB)"
                + " OR substr(CAST(workflow_id AS BLOB), 1, length(CAST($prefix AS BLOB))) = CAST($prefix AS BLOB))");
            parameters.Add(("$prefix", prefix));
        }

        if (query.CreatedFrom is { } from)
        {
            conditions.Add("created_at >= $from");
            parameters.Add(("$from", from.UtcTicks));
        }

        if (query.CreatedTo is { } to)
        {
            conditions.Add("created_at <= $to");
            parameters.Add(("$to", to.UtcTicks));
        }

        if (query.SingleTasksOnly)
        {
            conditions.Add("workflow_id = 'task:' || task_id");
        }

        var where = conditions.Count == 0 ? string.Empty : "WHERE " + string.Join(" AND ", conditions);
        return InTransactionAsync(connection =>
        {
            using var count = Command(connection, $"SELECT COUNT(*) FROM tasks {where}", [.. parameters]);
            var total = Convert.ToInt32(count.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
            var items = ReadAll(Command(connection, $"SELECT {Columns} FROM tasks {where} ORDER BY ord LIMIT $limit OFFSET $offset",
                [.. parameters, ("$limit", limit), ("$offset", offset)]));
            return new TaskIndexPage(items, total);
        }, cancellation);
    }

    /// <inheritdoc />
    public Task<RedriveClaim> ClaimRedriveAsync(TaskIndexEntry claim, IReadOnlyCollection<WorkflowTaskStatus> from, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(claim);
        ArgumentNullException.ThrowIfNull(from);
        return InTransactionAsync(connection =>
        {
            var (current, order) = Read(connection, claim.WorkflowId, claim.TaskId);
            if (!RedriveRules.MayClaim(current, claim, from))
            {
                return new RedriveClaim(false, current);
            }

            Write(connection, claim, order);
            return new RedriveClaim(true, claim);
        }, cancellation);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<TaskIndexEntry?>> WatchAsync(IReadOnlyList<(string WorkflowId, string TaskId)> dependencies, string waiterInstanceId, CancellationToken cancellation = default) =>
        InTransactionAsync<IReadOnlyList<TaskIndexEntry?>>(connection =>
        {
            var result = new List<TaskIndexEntry?>(dependencies.Count);
            foreach (var (workflowId, taskId) in dependencies)
            {
                var entry = Read(connection, workflowId, taskId).Entry;
                if (entry is { IsTerminal: false })
                {
                    Execute(connection, "INSERT OR IGNORE INTO waiters (dep_workflow, dep_task, waiter) VALUES ($wf, $t, $w)",
                        ("$wf", workflowId), ("$t", taskId), ("$w", waiterInstanceId));
                }

                Execute(connection, "INSERT OR IGNORE INTO dependents (dep_workflow, dep_task, dependent) VALUES ($wf, $t, $w)",
                    ("$wf", workflowId), ("$t", taskId), ("$w", waiterInstanceId));

                result.Add(entry);
            }

            return result;
        }, cancellation);

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> ListDependentsAsync(string workflowId, string taskId, CancellationToken cancellation = default) =>
        InTransactionAsync<IReadOnlyList<string>>(connection =>
        {
            using var query = Command(connection, "SELECT dependent FROM dependents WHERE dep_workflow = $wf AND dep_task = $t ORDER BY dependent", ("$wf", workflowId), ("$t", taskId));
            using var reader = query.ExecuteReader();
            var dependents = new List<string>();
            while (reader.Read())
            {
                dependents.Add(reader.GetString(0));
            }

            return dependents;
        }, cancellation);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _db.DisposeAsync(); // registered under two service types (index and journal): disposed twice, the second does nothing

    private Task<T> InTransactionAsync<T>(Func<SqliteConnection, T> work, CancellationToken cancellation) => _db.InTransactionAsync(work, cancellation);

    private void Open(SqliteConnection connection)
    {
        Execute(connection, $"""
            PRAGMA journal_mode = WAL;
            PRAGMA synchronous = NORMAL;
            CREATE TABLE IF NOT EXISTS tasks (
              workflow_id TEXT NOT NULL, task_id TEXT NOT NULL, ord INTEGER NOT NULL,
              task_type TEXT NOT NULL, status INTEGER NOT NULL, priority INTEGER NOT NULL, attempts INTEGER NOT NULL,
              result TEXT, error TEXT, created_at INTEGER NOT NULL, started_at INTEGER, completed_at INTEGER,
              start_seq INTEGER NOT NULL, finish_seq INTEGER NOT NULL, worker_id TEXT, hlc TEXT, version INTEGER NOT NULL,
              redrives INTEGER NOT NULL DEFAULT 0, cached INTEGER NOT NULL DEFAULT 0,
              PRIMARY KEY (workflow_id, task_id));
            CREATE INDEX IF NOT EXISTS tasks_by_order ON tasks (ord);
            CREATE INDEX IF NOT EXISTS tasks_by_status ON tasks (status, ord);
            CREATE INDEX IF NOT EXISTS tasks_by_workflow ON tasks (workflow_id, ord);
            CREATE TABLE IF NOT EXISTS waiters (
              dep_workflow TEXT NOT NULL, dep_task TEXT NOT NULL, waiter TEXT NOT NULL,
              PRIMARY KEY (dep_workflow, dep_task, waiter));
            CREATE INDEX IF NOT EXISTS waiters_by_waiter ON waiters (waiter);
            CREATE TABLE IF NOT EXISTS dependents (
              dep_workflow TEXT NOT NULL, dep_task TEXT NOT NULL, dependent TEXT NOT NULL,
              PRIMARY KEY (dep_workflow, dep_task, dependent));
            {EventSchema}
            """);
        // A file written before redrives existed gets the column (every earlier row is a first run).
        using (var columns = Command(connection, "SELECT COUNT(*) FROM pragma_table_info('tasks') WHERE name = 'redrives'"))
        {
            if (Convert.ToInt64(columns.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 0)
            {
                Execute(connection, "ALTER TABLE tasks ADD COLUMN redrives INTEGER NOT NULL DEFAULT 0");
            }
        }

        // An index written before result caching gains the column (0: not cached).
        using (var column = Command(connection, "SELECT COUNT(*) FROM pragma_table_info('tasks') WHERE name = 'cached'"))
        {
            if (Convert.ToInt64(column.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 0)
            {
                Execute(connection, "ALTER TABLE tasks ADD COLUMN cached INTEGER NOT NULL DEFAULT 0");
            }
        }

        using var max = Command(connection, "SELECT COALESCE(MAX(ord), 0) FROM tasks");
        _order = Convert.ToInt64(max.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static (TaskIndexEntry? Entry, long Order) Read(SqliteConnection connection, string workflowId, string taskId)
    {
        using var command = Command(connection, $"SELECT {Columns}, ord FROM tasks WHERE workflow_id = $wf AND task_id = $t", ("$wf", workflowId), ("$t", taskId));
        using var reader = command.ExecuteReader();
        return reader.Read() ? (Map(reader), reader.GetInt64(18)) : (null, 0);
    }

    private static List<TaskIndexEntry> ReadAll(SqliteCommand command)
    {
        using (command)
        {
            using var reader = command.ExecuteReader();
            var list = new List<TaskIndexEntry>();
            while (reader.Read())
            {
                list.Add(Map(reader));
            }

            return list;
        }
    }

    private static void Write(SqliteConnection connection, TaskIndexEntry e, long order) =>
        Execute(connection, $"""
            INSERT OR REPLACE INTO tasks ({Columns}, ord)
            VALUES ($wf, $t, $type, $status, $priority, $attempts, $result, $error, $created, $started, $completed, $ss, $fs, $worker, $hlc, $version, $redrives, $cached, $ord)
            """,
            ("$wf", e.WorkflowId), ("$t", e.TaskId), ("$type", e.TaskType), ("$status", (int)e.Status), ("$priority", e.Priority),
            ("$attempts", e.Attempts), ("$result", e.Result), ("$error", e.Error), ("$created", e.CreatedAt.UtcTicks),
            ("$started", e.StartedAt?.UtcTicks), ("$completed", e.CompletedAt?.UtcTicks), ("$ss", e.StartSequence),
            ("$fs", e.FinishSequence), ("$worker", e.WorkerId), ("$hlc", e.Hlc), ("$version", e.Version), ("$redrives", e.Redrives), ("$cached", e.Cached ? 1 : 0), ("$ord", order));

    private static TaskIndexEntry Map(SqliteDataReader r) => new()
    {
        WorkflowId = r.GetString(0),
        TaskId = r.GetString(1),
        TaskType = r.GetString(2),
        Status = (WorkflowTaskStatus)r.GetInt32(3),
        Priority = r.GetInt32(4),
        Attempts = r.GetInt32(5),
        Result = r.IsDBNull(6) ? null : r.GetString(6),
        Error = r.IsDBNull(7) ? null : r.GetString(7),
        CreatedAt = new DateTimeOffset(r.GetInt64(8), TimeSpan.Zero),
        StartedAt = r.IsDBNull(9) ? null : new DateTimeOffset(r.GetInt64(9), TimeSpan.Zero),
        CompletedAt = r.IsDBNull(10) ? null : new DateTimeOffset(r.GetInt64(10), TimeSpan.Zero),
        StartSequence = r.GetInt64(11),
        FinishSequence = r.GetInt64(12),
        WorkerId = r.IsDBNull(13) ? null : r.GetString(13),
        Hlc = r.IsDBNull(14) ? null : r.GetString(14),
        Version = r.GetInt64(15),
        Redrives = r.GetInt32(16),
        Cached = r.GetInt64(17) != 0,
    };
}
