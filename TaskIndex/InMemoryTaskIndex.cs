using ServerlessTasks.Domain.Model;

namespace ServerlessTasks.TaskIndex;

/// <summary>The task index in process memory (tests, the in-memory store).</summary>
public sealed partial class InMemoryTaskIndex : ITaskIndex, ITaskEventJournal
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string, string), (TaskIndexEntry Entry, long Order)> _entries = [];
    private readonly List<DependencyWaiter> _waiters = [];
    private readonly HashSet<DependencyWaiter> _dependents = [];
    private long _order;

    /// <inheritdoc />
    public Task InitializeAsync(CancellationToken cancellation = default) => Task.CompletedTask;

    /// <inheritdoc />
    public Task<IReadOnlyList<DependencyWaiter>> ApplyAsync(IReadOnlyList<TaskIndexEntry> updates, CancellationToken cancellation = default)
    {
        lock (_gate)
        {
            var finished = new HashSet<(string, string)>();
            foreach (var update in updates)
            {
                var key = (update.WorkflowId, update.TaskId);
                _entries.TryGetValue(key, out var current);
                if (TaskIndexEntry.Supersedes(update, current.Entry))
                {
                    _entries[key] = (update, current.Entry is null ? ++_order : current.Order);
                }

                if (_entries[key].Entry.IsTerminal)
                {
                    finished.Add(key);
                    _waiters.RemoveAll(w => w.WaiterInstanceId == update.WorkflowId);
                }
            }

            IReadOnlyList<DependencyWaiter> toNotify = [.. _waiters.Where(w => finished.Contains((w.DependencyWorkflowId, w.DependencyTaskId)))];
            return Task.FromResult(toNotify);
        }
    }

    /// <inheritdoc />
    public Task<TaskIndexEntry?> GetAsync(string workflowId, string taskId, CancellationToken cancellation = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_entries.TryGetValue((workflowId, taskId), out var e) ? e.Entry : null);
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<TaskIndexEntry>> ListWorkflowAsync(string workflowId, CancellationToken cancellation = default)
    {
        lock (_gate)
        {
            IReadOnlyList<TaskIndexEntry> list = [.. _entries.Values.Where(e => e.Entry.WorkflowId == workflowId).OrderBy(e => e.Order).Select(e => e.Entry)];
            return Task.FromResult(list);
        }
    }

    /// <inheritdoc />
    public Task<TaskIndexPage> ListAsync(WorkflowTaskStatus? status, int limit, int offset, CancellationToken cancellation = default)
    {
        lock (_gate)
        {
            var matching = _entries.Values.Where(e => status is null || e.Entry.Status == status).OrderBy(e => e.Order).ToList();
            return Task.FromResult(new TaskIndexPage([.. matching.Skip(offset).Take(limit).Select(e => e.Entry)], matching.Count));
        }
    }

    /// <inheritdoc />
    public Task<TaskIndexPage> QueryAsync(TaskQuery query, int limit, int offset, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        lock (_gate)
        {
            var matching = _entries.Values.Where(e => query.Matches(e.Entry)).OrderBy(e => e.Order).ToList();
            return Task.FromResult(new TaskIndexPage([.. matching.Skip(offset).Take(limit).Select(e => e.Entry)], matching.Count));
        }
    }

    /// <inheritdoc />
    public Task<RedriveClaim> ClaimRedriveAsync(TaskIndexEntry claim, IReadOnlyCollection<WorkflowTaskStatus> from, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(claim);
        ArgumentNullException.ThrowIfNull(from);
        lock (_gate)
        {
            var key = (claim.WorkflowId, claim.TaskId);
            if (!_entries.TryGetValue(key, out var current) || !RedriveRules.MayClaim(current.Entry, claim, from))
            {
                return Task.FromResult(new RedriveClaim(false, current.Entry));
            }

            _entries[key] = (claim, current.Order);
            return Task.FromResult(new RedriveClaim(true, claim));
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<TaskIndexEntry?>> WatchAsync(IReadOnlyList<(string WorkflowId, string TaskId)> dependencies, string waiterInstanceId, CancellationToken cancellation = default)
    {
        lock (_gate)
        {
            var result = new List<TaskIndexEntry?>(dependencies.Count);
            foreach (var (workflowId, taskId) in dependencies)
            {
                var entry = _entries.TryGetValue((workflowId, taskId), out var e) ? e.Entry : null;
                if (entry is { IsTerminal: false })
                {
                    var waiter = new DependencyWaiter(workflowId, taskId, waiterInstanceId);
                    if (!_waiters.Contains(waiter))
                    {
                        _waiters.Add(waiter);
                    }
                }

                _dependents.Add(new DependencyWaiter(workflowId, taskId, waiterInstanceId));
                result.Add(entry);
            }

            return Task.FromResult<IReadOnlyList<TaskIndexEntry?>>(result);
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> ListDependentsAsync(string workflowId, string taskId, CancellationToken cancellation = default)
    {
        lock (_gate)
        {
            IReadOnlyList<string> dependents = [.. _dependents
                .Where(d => d.DependencyWorkflowId == workflowId && d.DependencyTaskId == taskId)
                .Select(d => d.WaiterInstanceId)
                .Order(StringComparer.Ordinal)];
            return Task.FromResult(dependents);
        }
    }
}
