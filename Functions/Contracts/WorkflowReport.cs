using System.Text.Json;
using ServerlessTasks.Domain.Model;

namespace ServerlessTasks.Functions.Contracts;

/// <summary>The state of one task as the orchestrator reports it (custom status while running, output when done).</summary>
public sealed record TaskReport
{
    /// <summary>The task id.</summary>
    public required string TaskId { get; init; }

    /// <summary>The task type.</summary>
    public required string TaskType { get; init; }

    /// <summary>Its status.</summary>
    public WorkflowTaskStatus Status { get; init; }

    /// <summary>Its priority.</summary>
    public int Priority { get; init; }

    /// <summary>The result, once completed.</summary>
    public JsonElement? Result { get; init; }

    /// <summary>Why it failed or was skipped.</summary>
    public string? Error { get; init; }

    /// <summary>Attempts made.</summary>
    public int Attempts { get; init; }

    /// <summary>When it was dispatched (orchestration time).</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>When it finished (orchestration time).</summary>
    public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>Position of its dispatch in the workflow's event order (1-based; 0 if never dispatched).</summary>
    public long StartSequence { get; init; }

    /// <summary>Position of its completion in the workflow's event order (0 if not finished).</summary>
    public long FinishSequence { get; init; }
}

/// <summary>Progress counts of a workflow.</summary>
public sealed record WorkflowCounts(int Total, int Pending, int Running, int Completed, int Failed, int Skipped, int Cancelled);

/// <summary>A workflow's report: the orchestration's custom status while it runs and its output when done.</summary>
public sealed record WorkflowReport
{
    /// <summary>The workflow id.</summary>
    public required string WorkflowId { get; init; }

    /// <summary>The counts.</summary>
    public required WorkflowCounts Counts { get; init; }

    /// <summary>Every task, in submission order.</summary>
    public required IReadOnlyList<TaskReport> Tasks { get; init; }

    /// <summary>Whether a client cancelled the workflow.</summary>
    public bool Cancelled { get; init; }

    /// <summary>Compensations run after a failure, in the order they ran.</summary>
    public IReadOnlyList<CompensationReport> Compensations { get; init; } = [];
}

/// <summary>The custom status of a running workflow: small on purpose; task states live in the task index.</summary>
/// <param name="WorkflowId">The workflow id.</param>
/// <param name="Counts">Tasks by status.</param>
/// <param name="Cancelled">Whether a client cancelled it.</param>
public sealed record WorkflowProgress(string WorkflowId, WorkflowCounts Counts, bool Cancelled);

/// <summary>How one compensation went.</summary>
/// <param name="TaskId">The task it undid.</param>
/// <param name="Status">Completed or failed.</param>
/// <param name="Result">Its result.</param>
/// <param name="Error">Why it failed.</param>
/// <param name="Attempts">Attempts made.</param>
public sealed record CompensationReport(string TaskId, WorkflowTaskStatus Status, JsonElement? Result, string? Error, int Attempts);
