namespace ServerlessTasks.Domain.Workers;

/// <summary>Where a task that runs on an external worker stands in the work queue.</summary>
public enum ExternalTaskState
{
    /// <summary>Queued: no worker holds it (the task reads <c>pending</c>).</summary>
    Waiting,

    /// <summary>A worker holds a lease on it (the task reads <c>running</c> with its <c>worker_id</c>).</summary>
    Leased,

    /// <summary>The lease was completed or failed (or the proctor gave up on it); the outcome awaits delivery to its orchestration.</summary>
    Finished,

    /// <summary>The outcome reached the orchestration; the row only keeps the attempt count.</summary>
    Delivered,
}
