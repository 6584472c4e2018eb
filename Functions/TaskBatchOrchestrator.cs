using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using ServerlessTasks.Domain.Clock;
using ServerlessTasks.Domain.Model;
using ServerlessTasks.Functions.Contracts;
using ServerlessTasks.Functions.Orchestration;
using ServerlessTasks.TaskIndex;

namespace ServerlessTasks.Functions;

/// <summary>A batch of ready tasks of one large workflow.</summary>
/// <param name="WorkflowId">The workflow they belong to.</param>
/// <param name="Tasks">The tasks (all ready: their dependencies completed).</param>
/// <param name="Hlc">The workflow's stamp when it sent the batch; the batch's clock starts after it.</param>
public sealed record TaskBatch(string WorkflowId, IReadOnlyList<TaskSpec> Tasks, HlcTimestamp? Hlc = null);

/// <summary>
/// Runs a batch of ready tasks of a large workflow as a sub-orchestration, so the workflow's own history
/// grows by one entry per batch instead of one per task, and each history stays small. First attempts of
/// tasks that compute from their payload alone run in groups (<see cref="TaskGroupActivity"/>): one activity
/// and one completion to record per group instead of per task.
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
        clock.Receive(batch.Hlc, context.UtcNow());
        var outcomes = new Task<TaskOutcome>[batch.Tasks.Count];
        var group = new List<int>(TaskGroupActivity.MaxSize);
        for (var i = 0; i < batch.Tasks.Count; i++)
        {
            if (!TaskGroupActivity.CanGroup(batch.Tasks[i]))
            {
                outcomes[i] = TaskRunner.RunAsync(context, batch.WorkflowId, batch.Tasks[i], clock);
                continue;
            }

            group.Add(i);
            if (group.Count == TaskGroupActivity.MaxSize)
            {
                RunGroup(context, batch, clock, group, outcomes);
                group.Clear();
            }
        }

        if (group.Count > 0)
        {
            RunGroup(context, batch, clock, group, outcomes);
        }

        return await Task.WhenAll(outcomes);
    }

    /// <summary>
    /// Runs the first attempts of <paramref name="members"/> in one <see cref="TaskGroupActivity"/> invocation; a task
    /// whose attempt failed (or whose group failed) goes on alone with its retries, as from any failed attempt.
    /// </summary>
    private static void RunGroup(TaskOrchestrationContext context, TaskBatch batch, OrchestrationClock clock, List<int> members, Task<TaskOutcome>[] outcomes)
    {
        var tasks = members.Select(i => batch.Tasks[i]).ToList();
        var invocations = tasks.Select(t => new TaskInvocation(batch.WorkflowId, t.TaskId!, t.TaskType, t.Payload, 1, clock.Next(context.UtcNow()))).ToList();
        var attempts = context.CallActivityAsync<IReadOnlyList<GroupedAttempt>>(nameof(TaskGroupActivity.RunTaskGroup), new TaskGroup(invocations));
        for (var k = 0; k < tasks.Count; k++)
        {
            outcomes[members[k]] = OutcomeAsync(context, batch.WorkflowId, tasks[k], clock, attempts, k);
        }
    }

    private static async Task<TaskOutcome> OutcomeAsync(TaskOrchestrationContext context, string workflowId, TaskSpec task, OrchestrationClock clock, Task<IReadOnlyList<GroupedAttempt>> attempts, int position)
    {
        string error;
        try
        {
            var attempt = (await attempts)[position];
            if (attempt.Done is { } done)
            {
                // As TaskRunner records an attempt: the host's start stamp, then its finish stamp merged.
                var started = new TaskEvent
                {
                    WorkflowId = workflowId,
                    TaskId = task.TaskId,
                    Kind = TaskEventKind.Started,
                    Hlc = done.Started,
                    At = done.Started.PhysicalTime,
                    Attempt = 1,
                };
                clock.Receive(done.Finished, context.UtcNow());
                return new TaskOutcome(true, done.Result, null, 1, [started], clock.Current);
            }

            error = attempt.Error ?? "failed";
        }
        catch (TaskFailedException failed)
        {
            error = failed.FailureDetails.ErrorMessage;
        }

        return await TaskRunner.RetryAfterFirstAttemptAsync(context, workflowId, task, clock, error);
    }
}
