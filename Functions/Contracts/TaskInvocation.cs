using System.Text.Json;

namespace ServerlessTasks.Functions.Contracts;

/// <summary>
/// What the orchestrator hands a task activity. (workflow, task, attempt) is the idempotency key an
/// activity with side effects should use.
/// </summary>
/// <param name="WorkflowId">The workflow (orchestration instance) id.</param>
/// <param name="TaskId">The task id within the workflow.</param>
/// <param name="TaskType">The task type.</param>
/// <param name="Payload">The client's payload.</param>
/// <param name="Attempt">1 for the first attempt, 2 for the first retry, ...</param>
public sealed record TaskInvocation(string WorkflowId, string TaskId, string TaskType, JsonElement? Payload, int Attempt = 1)
{
    /// <summary>The idempotency key of this attempt.</summary>
    public string IdempotencyKey => $"{WorkflowId}/{TaskId}/{Attempt}";
}

/// <summary>How a task ended, after all its attempts.</summary>
/// <param name="Succeeded">Whether it completed.</param>
/// <param name="Result">Its result, when it completed.</param>
/// <param name="Error">Why it failed, when it did.</param>
/// <param name="Attempts">How many attempts were made.</param>
public sealed record TaskOutcome(bool Succeeded, JsonElement? Result, string? Error, int Attempts);
