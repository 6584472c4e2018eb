namespace ServerlessTasks.Domain.Scheduling;

/// <summary>Machine-readable reasons the scheduler itself attaches to state changes.</summary>
public static class FailureReasons
{
    /// <summary>The task's deadline (or the workflow's) passed before it could start.</summary>
    public const string DeadlineExceeded = "deadline_exceeded";

    /// <summary>A dependency failed; the transition names the failed ancestor as its cause.</summary>
    public const string DependencyFailed = "dependency_failed";

    /// <summary>The workflow was cancelled.</summary>
    public const string Cancelled = "cancelled";
}
