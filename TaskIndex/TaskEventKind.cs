namespace ServerlessTasks.TaskIndex;

/// <summary>What happened to a task (or, for <see cref="Submitted"/> of a workflow, to the whole submission).</summary>
public enum TaskEventKind
{
    /// <summary>The submission was accepted and its orchestration started.</summary>
    Submitted,

    /// <summary>Every dependency completed: the task may be dispatched.</summary>
    Ready,

    /// <summary>The orchestrator dispatched the task (first attempt).</summary>
    Dispatched,

    /// <summary>An attempt started on a worker (stamped by the worker's clock).</summary>
    Started,

    /// <summary>An attempt failed and another one is scheduled.</summary>
    Retried,

    /// <summary>The task completed.</summary>
    Completed,

    /// <summary>The task failed for good.</summary>
    Failed,

    /// <summary>The task was skipped because a dependency did not complete.</summary>
    Skipped,

    /// <summary>The task was cancelled.</summary>
    Cancelled,

    /// <summary>A completion callback (webhook) was delivered.</summary>
    CallbackDelivered,

    /// <summary>The proctor (or a deregistering worker) put a lost lease back in the queue; the detail names the worker.</summary>
    Requeued,

    /// <summary>The proctor found the task past its deadline, or predicted to miss it.</summary>
    Overdue,

    /// <summary>The proctor found the task running without progress for too long.</summary>
    Stuck,

    /// <summary>The proctor found the task waiting with no live worker offering its type.</summary>
    Unassignable,

    /// <summary>
    /// A failed task was redriven (a single task) or rerun (inside a workflow): a new run with a fresh attempt budget
    /// starts; the attempt is the run's first (numbering goes on from the earlier run's), the detail says who asked.
    /// </summary>
    Redriven,

    /// <summary>The task completed from the result cache without running (the detail is the cache key's first characters).</summary>
    TaskCached,
}
