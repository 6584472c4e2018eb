using ServerlessTasks.TaskIndex;

namespace ServerlessTasks.Functions.Contracts;

/// <summary>A journaled task event as the API shows it (snake_case; <c>hlc</c> in the stamp's string form).</summary>
public sealed record TaskEventView(string WorkflowId, string? TaskId, TaskEventKind Kind, string Hlc, DateTimeOffset At, int Attempt, string? Detail)
{
    /// <summary>The view of an event.</summary>
    public static TaskEventView From(TaskEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return new(e.WorkflowId, e.TaskId, e.Kind, e.Hlc.ToString(), e.At, e.Attempt, e.Detail);
    }
}

/// <summary>The events of a workflow or task, in HLC order.</summary>
public sealed record TaskEventList(string WorkflowId, string? TaskId, IReadOnlyList<TaskEventView> Events);
