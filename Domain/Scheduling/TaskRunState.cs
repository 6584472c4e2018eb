using ServerlessTasks.Domain.Model;

namespace ServerlessTasks.Domain.Scheduling;

/// <summary>
/// The scheduler's view of one task. Every task ends in exactly one terminal state
/// (<see cref="Completed"/>, <see cref="Failed"/>, <see cref="Skipped"/>, <see cref="Cancelled"/>).
/// </summary>
public enum TaskRunState
{
    /// <summary>Waiting for dependencies.</summary>
    Pending,

    /// <summary>All dependencies completed; waiting for a slot.</summary>
    Ready,

    /// <summary>Dispatched; waiting for its outcome (retries happen inside this state).</summary>
    Running,

    /// <summary>Finished with a result.</summary>
    Completed,

    /// <summary>Finished with an error (after retries, or its deadline passed before it could start).</summary>
    Failed,

    /// <summary>Not run because a (transitive) dependency failed.</summary>
    Skipped,

    /// <summary>Not run, or stopped, because the workflow was cancelled.</summary>
    Cancelled,
}

/// <summary>Helpers for <see cref="TaskRunState"/>.</summary>
public static class TaskRunStateExtensions
{
    /// <summary>True for the four terminal states.</summary>
    /// <param name="state">The state.</param>
    public static bool IsTerminal(this TaskRunState state) => state >= TaskRunState.Completed;

    /// <summary>The API status of a scheduler state (<see cref="TaskRunState.Ready"/> is reported as pending).</summary>
    /// <param name="state">The state.</param>
    public static WorkflowTaskStatus ToStatus(this TaskRunState state) => state switch
    {
        TaskRunState.Pending or TaskRunState.Ready => WorkflowTaskStatus.Pending,
        TaskRunState.Running => WorkflowTaskStatus.Running,
        TaskRunState.Completed => WorkflowTaskStatus.Completed,
        TaskRunState.Failed => WorkflowTaskStatus.Failed,
        TaskRunState.Skipped => WorkflowTaskStatus.Skipped,
        TaskRunState.Cancelled => WorkflowTaskStatus.Cancelled,
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };
}
