using System.Text.Json;

namespace ServerlessTasks.Domain.Model;

/// <summary>
/// The undo step of a task: run (in reverse dependency order) for tasks that completed
/// when the workflow as a whole fails.
/// </summary>
/// <param name="TaskType">Task type that performs the compensation (e.g. <c>refund</c>).</param>
/// <param name="Payload">Opaque JSON handed to the compensation; <c>null</c> means the original task's payload.</param>
public sealed record CompensationSpec(string TaskType, JsonElement? Payload = null);
