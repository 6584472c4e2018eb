using ServerlessTasks.Domain.Workers;

namespace ServerlessTasks.TaskIndex;

/// <summary>
/// The durable, shared state of external workers: the workers, the queue of tasks waiting for them and their leases.
/// Every method is one atomic step; a lease token is checked and consumed in the same step that changes the task, so
/// a wrong, expired or superseded token changes nothing. Kept to keyed reads and writes plus per-(type, lane) ordered
/// reads, so a Tables provider can implement it (partition per task type and lane, row key = lane order).
/// </summary>
public interface IWorkerLeaseStore
{
    /// <summary>Creates tables as needed.</summary>
    Task InitializeAsync(CancellationToken cancellation = default);

    /// <summary>Registers a worker (or registers it again: capabilities and limit replaced, status active); true when it was new.</summary>
    Task<(WorkerRecord Worker, bool Created)> RegisterAsync(WorkerRegistration registration, DateTimeOffset now, CancellationToken cancellation = default);

    /// <summary>Records a heartbeat and extends every lease the worker holds to <paramref name="leaseExpiresAt"/>; null for an unknown worker.</summary>
    Task<WorkerRecord?> HeartbeatAsync(string workerId, WorkerStatus status, int reportedTasks, string? systemInfo, DateTimeOffset now, DateTimeOffset leaseExpiresAt, CancellationToken cancellation = default);

    /// <summary>One worker, or null.</summary>
    Task<WorkerRecord?> GetWorkerAsync(string workerId, CancellationToken cancellation = default);

    /// <summary>Every worker, by id.</summary>
    Task<IReadOnlyList<WorkerRecord>> ListWorkersAsync(CancellationToken cancellation = default);

    /// <summary>Removes a worker; the tasks it held go back to the queue (returned, re-queued); null when unknown.</summary>
    Task<IReadOnlyList<ExternalTaskRecord>?> DeregisterAsync(string workerId, DateTimeOffset now, CancellationToken cancellation = default);

    /// <summary>
    /// Queues a task for <see cref="ExternalTaskRecord.RunAttempt"/>; a repeat of the same run attempt changes nothing
    /// (false), a later one replaces the row (its old lease is superseded). Returns whether it was queued now.
    /// </summary>
    Task<bool> EnqueueAsync(ExternalTaskRecord task, CancellationToken cancellation = default);

    /// <summary>
    /// Leases up to <paramref name="maxTasks"/> waiting tasks of the worker's capabilities, never more than its free
    /// slots; <paramref name="choose"/> picks among the heads of each (type, lane) queue. Counts as a heartbeat (a
    /// worker marked dead is active again). Returns the leased rows (empty for an unknown or draining worker, or when nothing waits).
    /// </summary>
    Task<IReadOnlyList<ExternalTaskRecord>> LeaseAsync(
        string workerId,
        int maxTasks,
        DateTimeOffset now,
        DateTimeOffset expiresAt,
        Func<IReadOnlyList<ExternalTaskRecord>, int, IReadOnlyList<ExternalTaskRecord>> choose,
        Func<string> stamp,
        CancellationToken cancellation = default);

    /// <summary>
    /// Gives back leases that never reached the worker (its lease call was dropped before the answer went out): each
    /// task still leased to <paramref name="workerId"/> under one of <paramref name="leaseTokens"/> waits again in its
    /// place in the queue, with the same attempt (it was never delivered), and its token stops working. Returns how
    /// many were given back.
    /// </summary>
    Task<int> ReturnAsync(string workerId, IReadOnlyList<string> leaseTokens, CancellationToken cancellation = default);

    /// <summary>
    /// Finishes the lease of <paramref name="leaseToken"/> if it is current and the worker's, with the outcome (JSON)
    /// <paramref name="outcome"/> makes of the leased row, in the same step.
    /// </summary>
    Task<LeaseVerdict> FinishAsync(string leaseToken, string workerId, Func<ExternalTaskRecord, string> outcome, DateTimeOffset now, CancellationToken cancellation = default);

    /// <summary>Extends the lease of <paramref name="leaseToken"/> to <paramref name="expiresAt"/> if it is current, unexpired and the worker's.</summary>
    Task<LeaseVerdict> RenewAsync(string leaseToken, string workerId, DateTimeOffset now, DateTimeOffset expiresAt, CancellationToken cancellation = default);

    /// <summary>Marks a finished row delivered (its orchestration got the outcome of run attempt <paramref name="runAttempt"/>).</summary>
    Task MarkDeliveredAsync(string workflowId, string taskId, int runAttempt, DateTimeOffset now, CancellationToken cancellation = default);

    /// <summary>Takes a task of run attempt <paramref name="runAttempt"/> out of the queue (it timed out or was cancelled); its lease token stops working.</summary>
    Task<bool> WithdrawAsync(string workflowId, string taskId, int runAttempt, DateTimeOffset now, CancellationToken cancellation = default);

    /// <summary>One task's row, or null.</summary>
    Task<ExternalTaskRecord?> GetTaskAsync(string workflowId, string taskId, CancellationToken cancellation = default);

    /// <summary>Rows in a state, oldest first, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<ExternalTaskRecord>> ListTasksAsync(ExternalTaskState state, int limit, CancellationToken cancellation = default);

    /// <summary>Marks dead every worker whose last heartbeat is before <paramref name="heartbeatBefore"/>; returns those marked now.</summary>
    Task<IReadOnlyList<WorkerRecord>> MarkDeadAsync(DateTimeOffset heartbeatBefore, DateTimeOffset now, CancellationToken cancellation = default);

    /// <summary>
    /// Re-queues every lease held by a dead worker or expired before <paramref name="now"/> (new sequence, attempt + 1,
    /// token superseded). A row already re-queued <paramref name="maxRequeues"/> times is finished instead with
    /// <paramref name="giveUpOutcome"/>. Returns the rows after the change.
    /// </summary>
    Task<IReadOnlyList<ExternalTaskRecord>> RequeueLostAsync(DateTimeOffset now, int maxRequeues, Func<ExternalTaskRecord, string> giveUpOutcome, CancellationToken cancellation = default);

    /// <summary>Forgets dead workers marked before <paramref name="deadBefore"/> and delivered rows finished before <paramref name="deliveredBefore"/>.</summary>
    Task PurgeAsync(DateTimeOffset deadBefore, DateTimeOffset deliveredBefore, CancellationToken cancellation = default);

    /// <summary>The queue's counts.</summary>
    Task<WorkQueueStats> GetStatsAsync(CancellationToken cancellation = default);
}
