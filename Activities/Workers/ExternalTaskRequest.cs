using System.Text.Json;

namespace ServerlessTasks.Activities.Workers;

/// <summary>A task an orchestration hands to external workers (one run attempt of it).</summary>
/// <param name="WorkflowId">The workflow (or <c>task:{task_id}</c>).</param>
/// <param name="TaskId">The task id.</param>
/// <param name="InstanceId">The orchestration that waits for the outcome event.</param>
/// <param name="RunAttempt">The orchestration's attempt (names the outcome event).</param>
/// <param name="TaskType">The task type.</param>
/// <param name="Payload">The payload.</param>
/// <param name="Priority">Priority 1-10.</param>
/// <param name="Deadline">The deadline, if any.</param>
public sealed record ExternalTaskRequest(string WorkflowId, string TaskId, string InstanceId, int RunAttempt, string TaskType, JsonElement? Payload, int Priority, DateTimeOffset? Deadline);

/// <summary>One run attempt of a task on external workers.</summary>
/// <param name="WorkflowId">The workflow (or <c>task:{task_id}</c>).</param>
/// <param name="TaskId">The task id.</param>
/// <param name="RunAttempt">The orchestration's attempt.</param>
public sealed record ExternalTaskRef(string WorkflowId, string TaskId, int RunAttempt);
