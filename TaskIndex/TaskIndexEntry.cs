using ServerlessTasks.Domain.Model;

namespace ServerlessTasks.TaskIndex;

/// <summary>The latest known state of one task.</summary>
public sealed record TaskIndexEntry
{
    /// <summary>The orchestration the task runs in (a workflow id, or <c>task:{task_id}</c> for a single task).</summary>
    public required string WorkflowId { get; init; }

    /// <summary>The task id (unique within its workflow).</summary>
    public required string TaskId { get; init; }

    /// <summary>The task type.</summary>
    public required string TaskType { get; init; }

    /// <summary>The status.</summary>
    public WorkflowTaskStatus Status { get; init; }

    /// <summary>The priority.</summary>
    public int Priority { get; init; }

    /// <summary>Attempts made.</summary>
    public int Attempts { get; init; }

    /// <summary>The result (JSON), when completed.</summary>
    public string? Result { get; init; }

    /// <summary>Why it failed, was skipped or cancelled.</summary>
    public string? Error { get; init; }

    /// <summary>When it was submitted.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When it started.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>When it finished.</summary>
    public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>Position of its start in its workflow's event order.</summary>
    public long StartSequence { get; init; }

    /// <summary>Position of its end in its workflow's event order.</summary>
    public long FinishSequence { get; init; }

    /// <summary>The worker that ran it, for external workers.</summary>
    public string? WorkerId { get; init; }

    /// <summary>Whether it completed from the result cache without running (its <see cref="TaskEventKind.TaskCached"/> event).</summary>
    public bool Cached { get; init; }

    /// <summary>The hybrid logical clock stamp of its latest event.</summary>
    public string? Hlc { get; init; }

    /// <summary>
    /// Orders updates of the same task: an update with a lower version, or one that would move a finished
    /// task back to an unfinished status, is ignored. Statuses never go backwards.
    /// </summary>
    public long Version { get; init; }

    /// <summary>
    /// How many times the task was redriven (a dead-lettered single task) or rerun (inside a workflow): 0 for its first
    /// run. Each later run starts again from a finished state, so its updates supersede every update of an earlier run
    /// (even a final one), and an earlier run's late updates never replace a later run's.
    /// </summary>
    public int Redrives { get; init; }

    /// <summary>Whether the status is final.</summary>
    public bool IsTerminal => Status is WorkflowTaskStatus.Completed or WorkflowTaskStatus.Failed
        or WorkflowTaskStatus.Skipped or WorkflowTaskStatus.Cancelled;

    /// <summary>The key of a single task's orchestration.</summary>
    public static string SingleTaskWorkflowId(string taskId) => $"task:{taskId}";

    /// <summary>Whether an update may replace the current entry.</summary>
    public static bool Supersedes(TaskIndexEntry update, TaskIndexEntry? current) =>
        current is null
        || update.Redrives > current.Redrives
        || (update.Redrives == current.Redrives && update.Version > current.Version && !(current.IsTerminal && !update.IsTerminal));
}

/// <summary>What <see cref="ITaskIndex.ClaimRedriveAsync"/> found.</summary>
/// <param name="Claimed">Whether the claim replaced the entry (this caller starts the next run).</param>
/// <param name="Current">The entry after the call: the claim when it won, else what stopped it (null when unknown).</param>
public sealed record RedriveClaim(bool Claimed, TaskIndexEntry? Current);

/// <summary>A page of entries.</summary>
/// <param name="Items">The entries.</param>
/// <param name="Total">How many match in all.</param>
public sealed record TaskIndexPage(IReadOnlyList<TaskIndexEntry> Items, int Total);

/// <summary>A task waiting for another (cross-submission dependency), to be told when it finishes.</summary>
/// <param name="DependencyWorkflowId">The orchestration of the task waited for.</param>
/// <param name="DependencyTaskId">The task waited for.</param>
/// <param name="WaiterInstanceId">The orchestration to notify.</param>
public sealed record DependencyWaiter(string DependencyWorkflowId, string DependencyTaskId, string WaiterInstanceId);
