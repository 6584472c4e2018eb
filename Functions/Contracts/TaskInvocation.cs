using System.Text.Json;
using ServerlessTasks.Domain.Clock;
using ServerlessTasks.TaskIndex;

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
/// <param name="Hlc">The orchestrator's HLC stamp when it sent the attempt; the activity merges it on start.</param>
/// <param name="Index">A task-index batch the activity applies before it runs the attempt (instead of a separate
/// <c>IndexTasks</c> call), returning its receipt in <see cref="Activities.Events.TaskActivityResult.Index"/>; only
/// for activities that take one (<see cref="Orchestration.IndexCarry.CanCarry"/>).</param>
public sealed record TaskInvocation(string WorkflowId, string TaskId, string TaskType, JsonElement? Payload, int Attempt = 1, HlcTimestamp? Hlc = null, Activities.Events.TaskIndexBatch? Index = null)
{
    /// <summary>The idempotency key of this attempt.</summary>
    public string IdempotencyKey => $"{WorkflowId}/{TaskId}/{Attempt}";
}

/// <summary>How a task ended, after all its attempts.</summary>
/// <param name="Succeeded">Whether it completed.</param>
/// <param name="Result">Its result, when it completed.</param>
/// <param name="Error">Why it failed, when it did.</param>
/// <param name="Attempts">How many attempts were made.</param>
/// <param name="Events">Events of the attempts (started, retried), stamped on the way.</param>
/// <param name="Finished">The last stamp of the run (the worker's finish stamp when it completed); merged before the completion is recorded.</param>
public sealed record TaskOutcome(bool Succeeded, JsonElement? Result, string? Error, int Attempts, IReadOnlyList<TaskEvent>? Events = null, HlcTimestamp? Finished = null);
