using System.Text.Json;

namespace ServerlessTasks.Functions.Callbacks;

/// <summary>What an orchestrator reports when it asks for a callback (built from its own state, deterministic).</summary>
/// <param name="WorkflowId">The orchestration instance (workflow id, or the single task's instance id).</param>
/// <param name="TaskId">The task, for single tasks and task events.</param>
/// <param name="Event">The event name: <c>completed</c>, <c>task_completed</c>, ...</param>
/// <param name="Url">The callback URL.</param>
/// <param name="Token">The client's opaque token, echoed back.</param>
/// <param name="Status">The status the event reports (<c>running</c>, <c>completed</c>, <c>failed</c>, <c>cancelled</c>, <c>skipped</c>).</param>
/// <param name="Result">The result when completed.</param>
/// <param name="Error">The error when not completed.</param>
/// <param name="Hlc">The report's HLC stamp, when it carries one.</param>
/// <param name="OccurredAt">When it happened (orchestration time).</param>
/// <param name="Key">The delivery key; null for the orchestration's own completion (see <see cref="DeliveryId"/>).</param>
/// <param name="Slot">Which subscription of the task (or workflow) this is, see <see cref="CallbackSlots"/>; 0 means <see cref="CallbackSlots.Completion"/>.</param>
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
    DateTimeOffset OccurredAt,
    string? Key = null,
    int Slot = 0)
{
    /// <summary>
    /// The delivery key, unique per subscription and event (see <see cref="CallbackKeys"/>).
    /// </summary>
    public string DeliveryId => Key ?? (TaskId is null || Event == "completed"
        ? CallbackKeys.Completion(WorkflowId)
        : CallbackKeys.TaskEvent(WorkflowId, Event, TaskId));

    /// <summary>
    /// True for the orchestration's own final report (workflow, or single task): its first attempt waits briefly
    /// for the orchestration to record its final state, so a receiver that reads the status URL sees it.
    /// </summary>
    public bool IsOrchestrationCompletion => Event == "completed" && Slot is 0 or CallbackSlots.Completion;
}
