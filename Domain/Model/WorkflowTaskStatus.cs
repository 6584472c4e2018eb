namespace ServerlessTasks.Domain.Model;

/// <summary>The life cycle of one task. Terminal states never change again.</summary>
public enum WorkflowTaskStatus
{
    /// <summary>Accepted, waiting for dependencies or a free slot.</summary>
    Pending,
    /// <summary>Dispatched to an activity or worker.</summary>
    Running,
    /// <summary>Finished with a result.</summary>
    Completed,
    /// <summary>Finished with an error after its retries.</summary>
    Failed,
    /// <summary>Cancelled by a client.</summary>
    Cancelled,
    /// <summary>Not run because a dependency failed.</summary>
    Skipped,
}
