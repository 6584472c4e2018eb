using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using ServerlessTasks.Domain.Clock;
using ServerlessTasks.Domain.Model;
using ServerlessTasks.Domain.Scheduling;
using ServerlessTasks.Functions.Contracts;
using ServerlessTasks.Functions.Orchestration;

namespace ServerlessTasks.Functions;

/// <summary>A batch of ready tasks of one large workflow.</summary>
/// <param name="WorkflowId">The workflow they belong to.</param>
/// <param name="Tasks">The tasks (all ready: their dependencies completed).</param>
/// <param name="Hlc">The workflow's stamp when it sent the batch; the batch's clock starts after it.</param>
public sealed record TaskBatch(string WorkflowId, IReadOnlyList<TaskSpec> Tasks, HlcTimestamp? Hlc = null);

/// <summary>
/// Runs a batch of ready tasks of a large workflow as a sub-orchestration, so the workflow's own history
/// grows by one entry per batch instead of one per task, and each history stays small.
/// </summary>
public static class TaskBatchOrchestrator
{
    /// <summary>Workflows with more tasks than this dispatch activity tasks in batches.</summary>
    public const int Threshold = 1_000;

    /// <summary>The fewest ready activity tasks that go to batches (fewer run inline in the workflow).</summary>
    public const int MinBatchSize = 32;

    /// <summary>The most tasks per batch.</summary>
    public const int MaxBatchSize = 250;

    /// <summary>The orchestrator function: every task's outcome, in the batch's order.</summary>
    [Function(nameof(TaskBatchOrchestrator))]
    public static async Task<IReadOnlyList<TaskOutcome>> RunAsync([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var batch = context.GetInput<TaskBatch>() ?? throw new InvalidOperationException("The batch orchestrator needs a batch as input.");
        var clock = new OrchestrationClock(context.InstanceId);
        clock.Receive(batch.Hlc, new DateTimeOffset(DateTime.SpecifyKind(context.CurrentUtcDateTime, DateTimeKind.Utc)));
        return await Task.WhenAll(batch.Tasks.Select(t => TaskRunner.RunAsync(context, batch.WorkflowId, t, RetryBackoff.Default, clock)));
    }
}
