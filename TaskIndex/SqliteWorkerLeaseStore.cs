using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using ServerlessTasks.Domain.Scheduling;
using ServerlessTasks.Domain.Workers;
using ServerlessTasks.SqliteStore;
using static ServerlessTasks.SqliteStore.SerialSqlite;

namespace ServerlessTasks.TaskIndex;

/// <summary>
/// The worker store in a SQLite file (WAL), beside the task index: one connection, one writer at a time, every call
/// one transaction (<see cref="SerialSqlite"/>). The queue is read through one index per (state, type, lane, lane order, sequence), so a lease
/// reads only the heads of each lane however long the queue is.
/// </summary>
public sealed class SqliteWorkerLeaseStore : IWorkerLeaseStore, IAsyncDisposable
{
    private const string TaskColumns =
        "workflow_id, task_id, instance_id, run_attempt, attempt, task_type, payload, priority, deadline, enqueued_at, seq, lane, lane_tier, lane_score, lane_secondary, state, worker_id, lease_token, leased_at, lease_expires_at, leased_hlc, outcome, finished_at, requeues, tenant";

    private const string WorkerColumns =
        "w.worker_id, w.capabilities, w.max_concurrent, w.status, w.reported, w.registered_at, w.last_heartbeat, w.dead_at, w.system_info, " +
        "(SELECT COUNT(*) FROM external_tasks t WHERE t.worker_id = w.worker_id AND t.state = 1), w.tenant";

    // Tasks a worker may lease: its tenant's alone when it has one ($tenant NULL matches every task).
    private const string TenantFilter = " AND ($tenant IS NULL OR tenant = $tenant)";

    // How stale a worker's last heartbeat may be before a lease call writes it again (far below any DeadAfter).
    private static readonly TimeSpan HeartbeatTouch = TimeSpan.FromSeconds(1);

    private readonly SerialSqlite _db;
    private readonly bool _inMemory;
    private long _sequence;

    /// <summary>Creates the store over a file (created with its folder when missing).</summary>
    public SqliteWorkerLeaseStore(string path)
        : this(FileConnectionString(path), inMemory: false)
    {
    }

    private SqliteWorkerLeaseStore(string connectionString, bool inMemory)
    {
        _inMemory = inMemory;
        _db = new SerialSqlite(connectionString, Open);
    }

    /// <summary>A store in memory (tests, <c>TaskIndex:Provider=memory</c>): the same code over a private in-memory database.</summary>
    public static SqliteWorkerLeaseStore InMemory() => new(InMemoryConnectionString(), inMemory: true);

    /// <inheritdoc />
    public Task InitializeAsync(CancellationToken cancellation = default) => InTransactionAsync(_ => 0, cancellation);

    /// <inheritdoc />
    public Task<(WorkerRecord Worker, bool Created)> RegisterAsync(WorkerRegistration registration, DateTimeOffset now, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(registration);
        return InTransactionAsync(connection =>
        {
            var existing = ReadWorker(connection, registration.WorkerId);
            Execute(connection, """
                INSERT INTO workers (worker_id, capabilities, max_concurrent, status, reported, registered_at, last_heartbeat, dead_at, system_info, tenant)
                VALUES ($id, $caps, $max, 0, 0, $now, $now, NULL, NULL, $tenant)
                ON CONFLICT (worker_id) DO UPDATE SET capabilities = $caps, max_concurrent = $max, status = 0, last_heartbeat = $now, dead_at = NULL
                """,
                ("$id", registration.WorkerId), ("$caps", JsonSerializer.Serialize(registration.Capabilities)), ("$max", registration.MaxConcurrentTasks), ("$now", now.UtcTicks), ("$tenant", registration.Tenant));
            return (ReadWorker(connection, registration.WorkerId)!, existing is null);
        }, cancellation);
    }

    /// <inheritdoc />
    public Task<WorkerRecord?> HeartbeatAsync(string workerId, WorkerStatus status, int reportedTasks, string? systemInfo, DateTimeOffset now, DateTimeOffset leaseExpiresAt, CancellationToken cancellation = default) =>
        InTransactionAsync(connection =>
        {
            var changed = Execute(connection, """
                UPDATE workers SET status = $s, reported = $r, system_info = COALESCE($info, system_info), last_heartbeat = $now, dead_at = NULL WHERE worker_id = $id
                """, ("$id", workerId), ("$s", (int)status), ("$r", reportedTasks), ("$info", systemInfo), ("$now", now.UtcTicks));
            if (changed == 0)
            {
                return null;
            }

            Execute(connection, "UPDATE external_tasks SET lease_expires_at = MAX(lease_expires_at, $exp) WHERE worker_id = $id AND state = 1",
                ("$id", workerId), ("$exp", leaseExpiresAt.UtcTicks));
            return ReadWorker(connection, workerId);
        }, cancellation);

    /// <inheritdoc />
    public Task<WorkerRecord?> GetWorkerAsync(string workerId, CancellationToken cancellation = default) =>
        InTransactionAsync(connection => ReadWorker(connection, workerId), cancellation);

    /// <inheritdoc />
    public Task<IReadOnlyList<WorkerRecord>> ListWorkersAsync(CancellationToken cancellation = default) =>
        InTransactionAsync<IReadOnlyList<WorkerRecord>>(connection => ReadWorkers(Command(connection, $"SELECT {WorkerColumns} FROM workers w ORDER BY w.worker_id")), cancellation);

    /// <inheritdoc />
    public Task<IReadOnlyList<ExternalTaskRecord>?> DeregisterAsync(string workerId, DateTimeOffset now, CancellationToken cancellation = default) =>
        InTransactionAsync(connection =>
        {
            if (ReadWorker(connection, workerId) is null)
            {
                return null;
            }

            var held = ReadTasks(Command(connection, $"SELECT {TaskColumns} FROM external_tasks WHERE worker_id = $id AND state = 1 ORDER BY seq", ("$id", workerId)));
            var requeued = held.Select(t => Requeue(connection, t)).ToList();
            Execute(connection, "DELETE FROM workers WHERE worker_id = $id", ("$id", workerId));
            return (IReadOnlyList<ExternalTaskRecord>?)requeued;
        }, cancellation);

    /// <inheritdoc />
    public Task<bool> EnqueueAsync(ExternalTaskRecord task, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(task);
        return InTransactionAsync(connection =>
        {
            var existing = ReadTask(connection, task.WorkflowId, task.TaskId);
            if (existing is not null && existing.RunAttempt >= task.RunAttempt)
            {
                return false; // the same activity delivered again, or a stale one: the row stands
            }

            // Delivery numbers never repeat for a task: a retry after re-queues continues after them.
            var attempt = Math.Max(task.RunAttempt, existing is null ? 0 : existing.Attempt + 1);
            WriteTask(connection, task with
            {
                Attempt = attempt,
                Sequence = ++_sequence,
                State = ExternalTaskState.Waiting,
                WorkerId = null,
                LeaseToken = null,
                LeasedAt = null,
                LeaseExpiresAt = null,
                LeasedHlc = null,
                Outcome = null,
                FinishedAt = null,
                Requeues = 0,
            });
            return true;
        }, cancellation);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ExternalTaskRecord>> LeaseAsync(
        string workerId,
        int maxTasks,
        DateTimeOffset now,
        DateTimeOffset expiresAt,
        Func<IReadOnlyList<ExternalTaskRecord>, int, IReadOnlyList<ExternalTaskRecord>> choose,
        Func<string> stamp,
        CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(choose);
        ArgumentNullException.ThrowIfNull(stamp);
        return InTransactionAsync<IReadOnlyList<ExternalTaskRecord>>(connection =>
        {
            var worker = ReadWorker(connection, workerId);
            if (worker is null || worker.Status == WorkerStatus.Draining)
            {
                return [];
            }

            // Any call from the worker shows it is alive: a worker marked dead (its leases were re-queued, their tokens
            // superseded) that still long-polls is active again. Written only when it changes something or is older than
            // HeartbeatTouch: a long-poll woken by every enqueue would otherwise commit a write per wake-up.
            Execute(connection, "UPDATE workers SET last_heartbeat = $now, status = 0, dead_at = NULL WHERE worker_id = $id AND (status <> 0 OR last_heartbeat < $stale)",
                ("$id", workerId), ("$now", now.UtcTicks), ("$stale", (now - HeartbeatTouch).UtcTicks));
            var free = Math.Min(maxTasks, worker.MaxConcurrentTasks - worker.LeasedTasks);
            if (free <= 0)
            {
                return [];
            }

            var candidates = new List<ExternalTaskRecord>();
            foreach (var type in worker.Capabilities.Distinct(StringComparer.Ordinal))
            {
                long? lane = long.MinValue;
                while (true)
                {
                    // A worker of a tenant sees only that tenant's tasks; a worker without one sees every task.
                    using var next = Command(connection, $"SELECT MIN(lane) FROM external_tasks WHERE state = 0 AND task_type = $t AND lane > $l{TenantFilter}", ("$t", type), ("$l", lane), ("$tenant", worker.Tenant));
                    var found = next.ExecuteScalar();
                    if (found is null or DBNull)
                    {
                        break;
                    }

                    lane = Convert.ToInt64(found, CultureInfo.InvariantCulture);
                    candidates.AddRange(ReadTasks(Command(connection, $"""
                        SELECT {TaskColumns} FROM external_tasks WHERE state = 0 AND task_type = $t AND lane = $l{TenantFilter}
                        ORDER BY lane_tier DESC, lane_score DESC, lane_secondary DESC, seq LIMIT $n
                        """, ("$t", type), ("$l", lane), ("$n", free), ("$tenant", worker.Tenant))));
                }
            }

            var leased = new List<ExternalTaskRecord>();
            foreach (var task in choose(candidates, free).Take(free))
            {
                var lease = task with
                {
                    State = ExternalTaskState.Leased,
                    WorkerId = workerId,
                    LeaseToken = LeaseTokens.Create(),
                    LeasedAt = now,
                    LeaseExpiresAt = expiresAt,
                    LeasedHlc = stamp(),
                };
                WriteTask(connection, lease);
                leased.Add(lease);
            }

            return leased;
        }, cancellation);
    }

    /// <inheritdoc />
    public Task<int> ReturnAsync(string workerId, IReadOnlyList<string> leaseTokens, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(leaseTokens);
        return InTransactionAsync(connection => leaseTokens.Sum(token => Execute(connection, """
            UPDATE external_tasks SET state = 0, worker_id = NULL, lease_token = NULL, leased_at = NULL, lease_expires_at = NULL, leased_hlc = NULL
            WHERE lease_token = $token AND worker_id = $id AND state = 1
            """, ("$token", token), ("$id", workerId))), cancellation);
    }

    /// <inheritdoc />
    public Task<LeaseVerdict> FinishAsync(string leaseToken, string workerId, Func<ExternalTaskRecord, string> outcome, DateTimeOffset now, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        return InTransactionAsync(connection =>
        {
            var verdict = Check(connection, leaseToken, workerId, now, allowFinished: true);
            if (verdict.Kind != LeaseVerdictKind.Accepted)
            {
                return verdict;
            }

            var finished = verdict.Task! with { State = ExternalTaskState.Finished, Outcome = outcome(verdict.Task), FinishedAt = now };
            WriteTask(connection, finished);
            return new LeaseVerdict(LeaseVerdictKind.Accepted, finished);
        }, cancellation);
    }

    /// <inheritdoc />
    public Task<LeaseVerdict> RenewAsync(string leaseToken, string workerId, DateTimeOffset now, DateTimeOffset expiresAt, CancellationToken cancellation = default) =>
        InTransactionAsync(connection =>
        {
            var verdict = Check(connection, leaseToken, workerId, now, allowFinished: false);
            if (verdict.Kind != LeaseVerdictKind.Accepted)
            {
                return verdict;
            }

            var renewed = verdict.Task! with { LeaseExpiresAt = expiresAt > verdict.Task.LeaseExpiresAt ? expiresAt : verdict.Task.LeaseExpiresAt };
            WriteTask(connection, renewed);
            return new LeaseVerdict(LeaseVerdictKind.Accepted, renewed);
        }, cancellation);

    /// <inheritdoc />
    public Task MarkDeliveredAsync(string workflowId, string taskId, int runAttempt, DateTimeOffset now, CancellationToken cancellation = default) =>
        InTransactionAsync(connection => Execute(connection,
            "UPDATE external_tasks SET state = 3, payload = NULL, finished_at = $now WHERE workflow_id = $wf AND task_id = $t AND run_attempt = $ra AND state = 2",
            ("$wf", workflowId), ("$t", taskId), ("$ra", runAttempt), ("$now", now.UtcTicks)), cancellation);

    /// <inheritdoc />
    public Task<bool> WithdrawAsync(string workflowId, string taskId, int runAttempt, DateTimeOffset now, CancellationToken cancellation = default) =>
        InTransactionAsync(connection => Execute(connection,
            "UPDATE external_tasks SET state = 3, payload = NULL, lease_token = NULL, finished_at = $now WHERE workflow_id = $wf AND task_id = $t AND run_attempt = $ra AND state IN (0, 1)",
            ("$wf", workflowId), ("$t", taskId), ("$ra", runAttempt), ("$now", now.UtcTicks)) > 0, cancellation);

    /// <inheritdoc />
    public Task<ExternalTaskRecord?> GetTaskAsync(string workflowId, string taskId, CancellationToken cancellation = default) =>
        InTransactionAsync(connection => ReadTask(connection, workflowId, taskId), cancellation);

    /// <inheritdoc />
    public Task<IReadOnlyList<ExternalTaskRecord>> ListTasksAsync(ExternalTaskState state, int limit, CancellationToken cancellation = default) =>
        InTransactionAsync<IReadOnlyList<ExternalTaskRecord>>(connection =>
            ReadTasks(Command(connection, $"SELECT {TaskColumns} FROM external_tasks WHERE state = $s ORDER BY seq LIMIT $n", ("$s", (int)state), ("$n", limit))), cancellation);

    /// <inheritdoc />
    public Task<IReadOnlyList<WorkerRecord>> MarkDeadAsync(DateTimeOffset heartbeatBefore, DateTimeOffset now, CancellationToken cancellation = default) =>
        InTransactionAsync<IReadOnlyList<WorkerRecord>>(connection =>
        {
            var dying = ReadWorkers(Command(connection, $"SELECT {WorkerColumns} FROM workers w WHERE w.status <> 2 AND w.last_heartbeat < $before ORDER BY w.worker_id",
                ("$before", heartbeatBefore.UtcTicks)));
            Execute(connection, "UPDATE workers SET status = 2, dead_at = $now WHERE status <> 2 AND last_heartbeat < $before", ("$before", heartbeatBefore.UtcTicks), ("$now", now.UtcTicks));
            return [.. dying.Select(w => w with { Status = WorkerStatus.Dead, DeadAt = now })];
        }, cancellation);

    /// <inheritdoc />
    public Task<IReadOnlyList<ExternalTaskRecord>> RequeueLostAsync(DateTimeOffset now, int maxRequeues, Func<ExternalTaskRecord, string> giveUpOutcome, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(giveUpOutcome);
        return InTransactionAsync<IReadOnlyList<ExternalTaskRecord>>(connection =>
        {
            var lost = ReadTasks(Command(connection, $"""
                SELECT {TaskColumns} FROM external_tasks
                WHERE state = 1 AND (lease_expires_at < $now OR worker_id IN (SELECT worker_id FROM workers WHERE status = 2) OR worker_id NOT IN (SELECT worker_id FROM workers))
                ORDER BY seq
                """, ("$now", now.UtcTicks)));
            var result = new List<ExternalTaskRecord>(lost.Count);
            foreach (var task in lost)
            {
                if (task.Requeues >= maxRequeues)
                {
                    var given = task with { State = ExternalTaskState.Finished, Outcome = giveUpOutcome(task), FinishedAt = now };
                    WriteTask(connection, given);
                    result.Add(given);
                }
                else
                {
                    result.Add(Requeue(connection, task));
                }
            }

            return result;
        }, cancellation);
    }

    /// <inheritdoc />
    public Task PurgeAsync(DateTimeOffset deadBefore, DateTimeOffset deliveredBefore, CancellationToken cancellation = default) =>
        InTransactionAsync(connection =>
        {
            Execute(connection, "DELETE FROM workers WHERE status = 2 AND dead_at < $before", ("$before", deadBefore.UtcTicks));
            return Execute(connection, "DELETE FROM external_tasks WHERE state = 3 AND finished_at < $before", ("$before", deliveredBefore.UtcTicks));
        }, cancellation);

    /// <inheritdoc />
    public Task<WorkQueueStats> GetStatsAsync(CancellationToken cancellation = default) =>
        InTransactionAsync(connection =>
        {
            var counts = new int[4];
            using (var query = Command(connection, "SELECT state, COUNT(*) FROM external_tasks GROUP BY state"))
            using (var reader = query.ExecuteReader())
            {
                while (reader.Read())
                {
                    counts[reader.GetInt32(0)] = reader.GetInt32(1);
                }
            }

            var byType = new Dictionary<string, (int, DateTimeOffset)>(StringComparer.Ordinal);
            DateTimeOffset? oldest = null;
            using (var query = Command(connection, "SELECT task_type, COUNT(*), MIN(enqueued_at) FROM external_tasks WHERE state = 0 GROUP BY task_type"))
            using (var reader = query.ExecuteReader())
            {
                while (reader.Read())
                {
                    var since = new DateTimeOffset(reader.GetInt64(2), TimeSpan.Zero);
                    byType[reader.GetString(0)] = (reader.GetInt32(1), since);
                    oldest = oldest is { } o && o <= since ? o : since;
                }
            }

            return new WorkQueueStats(counts[0], counts[1], counts[2], oldest, byType);
        }, cancellation);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _db.DisposeAsync();

    private ExternalTaskRecord Requeue(SqliteConnection connection, ExternalTaskRecord task)
    {
        var requeued = task with
        {
            State = ExternalTaskState.Waiting,
            Attempt = task.Attempt + 1,
            Requeues = task.Requeues + 1,
            Sequence = ++_sequence,
            WorkerId = task.WorkerId, // kept: the requeue event names the worker that lost it
            LeaseToken = null,
            LeasedAt = null,
            LeaseExpiresAt = null,
            LeasedHlc = null,
        };
        WriteTask(connection, requeued with { WorkerId = null });
        return requeued;
    }

    private static LeaseVerdict Check(SqliteConnection connection, string leaseToken, string workerId, DateTimeOffset now, bool allowFinished)
    {
        var rows = ReadTasks(Command(connection, $"SELECT {TaskColumns} FROM external_tasks WHERE lease_token = $token", ("$token", leaseToken)));
        if (rows.Count == 0 || rows[0].State == ExternalTaskState.Waiting)
        {
            return new LeaseVerdict(LeaseVerdictKind.Unknown, null);
        }

        var task = rows[0];
        if (!string.Equals(task.WorkerId, workerId, StringComparison.Ordinal))
        {
            return new LeaseVerdict(LeaseVerdictKind.WrongWorker, null);
        }

        if (task.State is ExternalTaskState.Finished or ExternalTaskState.Delivered)
        {
            return new LeaseVerdict(allowFinished ? LeaseVerdictKind.Repeated : LeaseVerdictKind.Unknown, task);
        }

        return task.LeaseExpiresAt < now ? new LeaseVerdict(LeaseVerdictKind.Expired, task) : new LeaseVerdict(LeaseVerdictKind.Accepted, task);
    }

    private Task<T> InTransactionAsync<T>(Func<SqliteConnection, T> work, CancellationToken cancellation) => _db.InTransactionAsync(work, cancellation);

    private void Open(SqliteConnection connection)
    {
        Execute(connection, $"""
            {(_inMemory ? string.Empty : "PRAGMA journal_mode = WAL;")}
            PRAGMA synchronous = NORMAL;
            CREATE TABLE IF NOT EXISTS workers (
              worker_id TEXT NOT NULL PRIMARY KEY, capabilities TEXT NOT NULL, max_concurrent INTEGER NOT NULL, status INTEGER NOT NULL,
              reported INTEGER NOT NULL, registered_at INTEGER NOT NULL, last_heartbeat INTEGER NOT NULL, dead_at INTEGER, system_info TEXT, tenant TEXT);
            CREATE TABLE IF NOT EXISTS external_tasks (
              workflow_id TEXT NOT NULL, task_id TEXT NOT NULL, instance_id TEXT NOT NULL, run_attempt INTEGER NOT NULL, attempt INTEGER NOT NULL,
              task_type TEXT NOT NULL, payload TEXT, priority INTEGER NOT NULL, deadline INTEGER, enqueued_at INTEGER NOT NULL, seq INTEGER NOT NULL,
              lane INTEGER NOT NULL, lane_tier INTEGER NOT NULL, lane_score REAL NOT NULL, lane_secondary REAL NOT NULL, state INTEGER NOT NULL,
              worker_id TEXT, lease_token TEXT, leased_at INTEGER, lease_expires_at INTEGER, leased_hlc TEXT, outcome TEXT, finished_at INTEGER,
              requeues INTEGER NOT NULL, tenant TEXT, PRIMARY KEY (workflow_id, task_id));
            CREATE INDEX IF NOT EXISTS external_queue ON external_tasks (state, task_type, lane, lane_tier DESC, lane_score DESC, lane_secondary DESC, seq);
            CREATE UNIQUE INDEX IF NOT EXISTS external_by_token ON external_tasks (lease_token) WHERE lease_token IS NOT NULL;
            CREATE INDEX IF NOT EXISTS external_by_worker ON external_tasks (worker_id, state);
            CREATE INDEX IF NOT EXISTS external_by_state ON external_tasks (state, seq);
            """);
        // Stores written before tenants existed gain the column (NULL: no tenant, as they were).
        AddColumnIfMissing(connection, "workers", "tenant", "TEXT");
        AddColumnIfMissing(connection, "external_tasks", "tenant", "TEXT");
        using var max = Command(connection, "SELECT COALESCE(MAX(seq), 0) FROM external_tasks");
        _sequence = Convert.ToInt64(max.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    private static void AddColumnIfMissing(SqliteConnection connection, string table, string column, string type)
    {
        using var info = Command(connection, $"SELECT COUNT(*) FROM pragma_table_info('{table}') WHERE name = $c", ("$c", column));
        if (Convert.ToInt64(info.ExecuteScalar(), CultureInfo.InvariantCulture) == 0)
        {
            Execute(connection, $"ALTER TABLE {table} ADD COLUMN {column} {type}");
        }
    }

    private static WorkerRecord? ReadWorker(SqliteConnection connection, string workerId) =>
        ReadWorkers(Command(connection, $"SELECT {WorkerColumns} FROM workers w WHERE w.worker_id = $id", ("$id", workerId))).FirstOrDefault();

    private static List<WorkerRecord> ReadWorkers(SqliteCommand command)
    {
        using (command)
        {
            using var r = command.ExecuteReader();
            var list = new List<WorkerRecord>();
            while (r.Read())
            {
                list.Add(new WorkerRecord
                {
                    WorkerId = r.GetString(0),
                    Capabilities = JsonSerializer.Deserialize<string[]>(r.GetString(1)) ?? [],
                    MaxConcurrentTasks = r.GetInt32(2),
                    Status = (WorkerStatus)r.GetInt32(3),
                    ReportedTasks = r.GetInt32(4),
                    RegisteredAt = new DateTimeOffset(r.GetInt64(5), TimeSpan.Zero),
                    LastHeartbeatAt = new DateTimeOffset(r.GetInt64(6), TimeSpan.Zero),
                    DeadAt = r.IsDBNull(7) ? null : new DateTimeOffset(r.GetInt64(7), TimeSpan.Zero),
                    SystemInfo = r.IsDBNull(8) ? null : r.GetString(8),
                    LeasedTasks = r.GetInt32(9),
                    Tenant = r.IsDBNull(10) ? null : r.GetString(10),
                });
            }

            return list;
        }
    }

    private static ExternalTaskRecord? ReadTask(SqliteConnection connection, string workflowId, string taskId) =>
        ReadTasks(Command(connection, $"SELECT {TaskColumns} FROM external_tasks WHERE workflow_id = $wf AND task_id = $t", ("$wf", workflowId), ("$t", taskId))).FirstOrDefault();

    private static List<ExternalTaskRecord> ReadTasks(SqliteCommand command)
    {
        using (command)
        {
            using var r = command.ExecuteReader();
            var list = new List<ExternalTaskRecord>();
            while (r.Read())
            {
                list.Add(new ExternalTaskRecord
                {
                    WorkflowId = r.GetString(0),
                    TaskId = r.GetString(1),
                    InstanceId = r.GetString(2),
                    RunAttempt = r.GetInt32(3),
                    Attempt = r.GetInt32(4),
                    TaskType = r.GetString(5),
                    Payload = r.IsDBNull(6) ? null : r.GetString(6),
                    Priority = r.GetInt32(7),
                    Deadline = Time(r, 8),
                    EnqueuedAt = Time(r, 9)!.Value,
                    Sequence = r.GetInt64(10),
                    Lane = r.GetInt32(11),
                    LaneOrder = new PriorityKey(r.GetInt32(12), r.GetDouble(13), r.GetDouble(14)),
                    State = (ExternalTaskState)r.GetInt32(15),
                    WorkerId = r.IsDBNull(16) ? null : r.GetString(16),
                    LeaseToken = r.IsDBNull(17) ? null : r.GetString(17),
                    LeasedAt = Time(r, 18),
                    LeaseExpiresAt = Time(r, 19),
                    LeasedHlc = r.IsDBNull(20) ? null : r.GetString(20),
                    Outcome = r.IsDBNull(21) ? null : r.GetString(21),
                    FinishedAt = Time(r, 22),
                    Requeues = r.GetInt32(23),
                    Tenant = r.IsDBNull(24) ? null : r.GetString(24),
                });
            }

            return list;
        }
    }

    private static DateTimeOffset? Time(SqliteDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : new DateTimeOffset(r.GetInt64(ordinal), TimeSpan.Zero);

    private static void WriteTask(SqliteConnection connection, ExternalTaskRecord t) =>
        Execute(connection, $"""
            INSERT OR REPLACE INTO external_tasks ({TaskColumns})
            VALUES ($wf, $t, $inst, $ra, $a, $type, $payload, $p, $dl, $enq, $seq, $lane, $tier, $score, $sec, $state, $worker, $token, $leased, $exp, $hlc, $outcome, $fin, $rq, $tenant)
            """,
            ("$wf", t.WorkflowId), ("$t", t.TaskId), ("$inst", t.InstanceId), ("$ra", t.RunAttempt), ("$a", t.Attempt), ("$type", t.TaskType),
            ("$payload", t.Payload), ("$p", t.Priority), ("$dl", t.Deadline?.UtcTicks), ("$enq", t.EnqueuedAt.UtcTicks), ("$seq", t.Sequence),
            ("$lane", t.Lane), ("$tier", t.LaneOrder.Tier), ("$score", t.LaneOrder.Score), ("$sec", t.LaneOrder.Secondary), ("$state", (int)t.State),
            ("$worker", t.WorkerId), ("$token", t.LeaseToken), ("$leased", t.LeasedAt?.UtcTicks), ("$exp", t.LeaseExpiresAt?.UtcTicks),
            ("$hlc", t.LeasedHlc), ("$outcome", t.Outcome), ("$fin", t.FinishedAt?.UtcTicks), ("$rq", t.Requeues), ("$tenant", t.Tenant));
}
