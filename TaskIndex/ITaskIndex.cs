using ServerlessTasks.Domain.Model;

namespace ServerlessTasks.TaskIndex;

/// <summary>
/// The queryable index of tasks. Updates are idempotent and ordered by <see cref="TaskIndexEntry.Version"/>,
/// so at-least-once delivery from activities never moves a status backwards.
/// </summary>
public interface ITaskIndex
{
    /// <summary>Creates tables as needed.</summary>
    Task InitializeAsync(CancellationToken cancellation = default);

    /// <summary>
    /// Applies updates atomically; returns the waiters of tasks that are finished after it (they are told
    /// again on every call that touches a finished task, which is harmless: notifications are idempotent).
    /// </summary>
    Task<IReadOnlyList<DependencyWaiter>> ApplyAsync(IReadOnlyList<TaskIndexEntry> updates, CancellationToken cancellation = default);

    /// <summary>One task.</summary>
    Task<TaskIndexEntry?> GetAsync(string workflowId, string taskId, CancellationToken cancellation = default);

    /// <summary>All tasks of a workflow, in submission order of their first update.</summary>
    Task<IReadOnlyList<TaskIndexEntry>> ListWorkflowAsync(string workflowId, CancellationToken cancellation = default);

    /// <summary>A page of all tasks, optionally of one status, oldest first.</summary>
    Task<TaskIndexPage> ListAsync(WorkflowTaskStatus? status, int limit, int offset, CancellationToken cancellation = default);

    /// <summary>
    /// A page of the tasks that pass <paramref name="query"/>, oldest first, with their total. Stores with a query of
    /// their own answer it there; the default reads <see cref="ListAsync"/> in pages (<see cref="TaskQuery.ScanAsync"/>).
    /// </summary>
    Task<TaskIndexPage> QueryAsync(TaskQuery query, int limit, int offset, CancellationToken cancellation = default) =>
        TaskQuery.ScanAsync(this, query, limit, offset, cancellation);

    /// <summary>
    /// Atomically replaces a finished task's entry with <paramref name="claim"/>, the start of its next run (its
    /// <see cref="TaskIndexEntry.Redrives"/> one higher than the entry's), when the entry still has one of
    /// <paramref name="from"/> statuses and that earlier run: of concurrent claims on one run exactly one wins.
    /// </summary>
    Task<RedriveClaim> ClaimRedriveAsync(TaskIndexEntry claim, IReadOnlyCollection<WorkflowTaskStatus> from, CancellationToken cancellation = default);

    /// <summary>
    /// Registers <paramref name="waiterInstanceId"/> as waiting for each dependency that is not finished,
    /// atomically with reading their states; returns every dependency's entry (null when unknown). Also records
    /// <paramref name="waiterInstanceId"/> as a dependent of every dependency, finished or not (see <see cref="ListDependentsAsync"/>).
    /// </summary>
    Task<IReadOnlyList<TaskIndexEntry?>> WatchAsync(IReadOnlyList<(string WorkflowId, string TaskId)> dependencies, string waiterInstanceId, CancellationToken cancellation = default);

    /// <summary>
    /// The instances that watched this task as a dependency (<see cref="WatchAsync"/>), ordinal order: kept after they
    /// finished (unlike waiter registrations), so a redriven task finds the single tasks that were skipped because it failed.
    /// </summary>
    Task<IReadOnlyList<string>> ListDependentsAsync(string workflowId, string taskId, CancellationToken cancellation = default);
}
