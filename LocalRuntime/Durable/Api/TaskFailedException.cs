namespace Microsoft.DurableTask;

/// <summary>Thrown into an orchestrator when an activity or sub-orchestration it awaited failed.</summary>
public sealed class TaskFailedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TaskFailedException(string taskName, int taskId, TaskFailureDetails failureDetails)
        : base(BuildMessage(taskName, taskId, failureDetails))
    {
        TaskName = taskName;
        TaskId = taskId;
        FailureDetails = failureDetails ?? throw new ArgumentNullException(nameof(failureDetails));
    }

    /// <summary>Creates the exception with a custom message.</summary>
    public TaskFailedException(string message, string taskName, int taskId, TaskFailureDetails failureDetails)
        : base(message)
    {
        TaskName = taskName;
        TaskId = taskId;
        FailureDetails = failureDetails ?? throw new ArgumentNullException(nameof(failureDetails));
    }

    /// <summary>The name of the failed task.</summary>
    public string TaskName { get; }

    /// <summary>The sequence id of the failed task within its orchestration.</summary>
    public int TaskId { get; }

    /// <summary>Why it failed.</summary>
    public TaskFailureDetails FailureDetails { get; }

    private static string BuildMessage(string taskName, int taskId, TaskFailureDetails details) =>
        $"Task '{taskName}' (#{taskId}) failed with an unhandled exception: {details?.ErrorMessage}";
}
