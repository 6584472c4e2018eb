namespace ServerlessTasks.Domain.Scheduling;

/// <summary>The current state of one task.</summary>
/// <param name="TaskId">The task.</param>
/// <param name="State">Its state.</param>
/// <param name="Reason">Why it is in a terminal non-completed state, or null.</param>
/// <param name="CauseTaskId">For skipped tasks, the failed ancestor.</param>
public sealed record TaskStateSnapshot(string TaskId, TaskRunState State, string? Reason, string? CauseTaskId);
