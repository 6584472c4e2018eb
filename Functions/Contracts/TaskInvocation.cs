using System.Text.Json;

namespace ServerlessTasks.Functions.Contracts;

/// <summary>What the orchestrator hands a task activity. (workflow, task, attempt) is the idempotency key.</summary>
/// <param name="WorkflowId">The workflow (orchestration instance) id.</param>
/// <param name="TaskId">The task id within the workflow.</param>
/// <param name="TaskType">The task type.</param>
/// <param name="Payload">The client's payload.</param>
public sealed record TaskInvocation(string WorkflowId, string TaskId, string TaskType, JsonElement? Payload);
