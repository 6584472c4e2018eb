using System.Text.Json;

namespace ServerlessTasks.Functions.Callbacks;

/// <summary>What an orchestrator reports when it asks for a callback (built from its own state, deterministic).</summary>
/// <param name="WorkflowId">The orchestration instance (workflow id, or the single task's instance id).</param>
/// <param name="TaskId">The task, for single tasks and task events.</param>
/// <param name="Event">The event name: <c>completed</c>, <c>task_completed</c>, ...</param>
/// <param name="Url">The callback URL.</param>
/// <param name="Token">The client's opaque token, echoed back.</param>
/// <param name="Status">The final status (<c>completed</c>, <c>failed</c>, <c>cancelled</c>, <c>skipped</c>).</param>
/// <param name="Result">The result when completed.</param>
/// <param name="Error">The error when not completed.</param>
/// <param name="Hlc">The report's HLC stamp, when it carries one.</param>
/// <param name="OccurredAt">When it happened (orchestration time).</param>
public sealed record CallbackNotice(
    string WorkflowId,
    string? TaskId,
    string Event,
    string Url,
    string? Token,
    string Status,
    JsonElement? Result,
    string? Error,
    string? Hlc,
    DateTimeOffset OccurredAt)
{
    /// <summary>The delivery key: one delivery per workflow, event (and task, for task events).</summary>
    public string DeliveryId => TaskId is null || Event == "completed"
        ? $"callback:{WorkflowId}:{Event}"
        : $"callback:{WorkflowId}:{Event}:{TaskId}";
}
