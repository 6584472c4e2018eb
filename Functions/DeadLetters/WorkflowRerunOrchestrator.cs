using System.Globalization;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using ServerlessTasks.Domain.Model;
using ServerlessTasks.Functions.Contracts;
using ServerlessTasks.Functions.Orchestration;
using ServerlessTasks.TaskIndex;

namespace ServerlessTasks.Functions.DeadLetters;

/// <summary>
/// Reruns a finished workflow's failed (or cancelled) task and its dependents that did not run
/// (<c>POST /api/workflows/{id}/tasks/{task_id}/rerun</c>): a new execution of the workflow's own instance, so its
/// status URLs and <c>GET /api/workflows/{id}</c> follow it. Its input is the workflow exactly as submitted; what to
/// run it learns from the task index (the endpoint's claim, see <see cref="RerunPlan"/>), read through an activity so
/// replays see the same. Completed tasks keep their entries, results and events: they are neither run nor re-indexed.
/// </summary>
/// <remarks>
/// A separate orchestrator, not a branch of <see cref="WorkflowOrchestrator"/>: its instances in flight replay
/// unchanged. The rerun's tasks run inline (no batch sub-orchestrations or chain segments) through the same DAG loop,
/// with attempts numbered on from their earlier runs; no compensations run in a rerun.
/// </remarks>
public static class WorkflowRerunOrchestrator
{
    /// <summary>The orchestrator function.</summary>
    [Function(nameof(WorkflowRerunOrchestrator))]
    public static async Task<WorkflowReport> RunAsync([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var spec = context.GetInput<WorkflowSpec>() ?? throw new InvalidOperationException("The rerun orchestrator needs a workflow spec as input.");
        var entries = await context.CallActivityAsync<IReadOnlyList<TaskIndexEntry>>(
            nameof(DeadLetterActivities.ReadWorkflowEntries), context.InstanceId, OrchestrationDefaults.BookkeepingRetry);
        var plan = RerunPlan.Create(spec, entries);
        if (plan.IsEmpty)
        {
            // Nothing claimed (another rerun ran it already): the workflow stays as it is.
            return plan.Merge(new WorkflowReport { WorkflowId = context.InstanceId, Counts = new WorkflowCounts(0, 0, 0, 0, 0, 0, 0), Tasks = [] });
        }

        var seed = plan.Seed(context.UtcNow());
        var run = new WorkflowRun(context.InstanceId, plan.Spec(), context.UtcNow(), seed);
        foreach (var taskId in plan.Claimed)
        {
            run.RecordEvent(taskId, TaskEventKind.Redriven, context.UtcNow(), run.FirstAttemptOf(taskId),
                string.Create(CultureInfo.InvariantCulture, $"rerun {seed.Redrives[taskId]}"));
        }

        var report = plan.Merge(await WorkflowOrchestrator.RunDagAsync(context, run));
        await WorkflowOrchestrator.NotifyAsync(context, spec, run, report, plan.RunNumber(seed));
        return report;
    }

    /// <summary>Whether an orchestration name is a workflow's (a first run or a rerun).</summary>
    public static bool IsWorkflow(string? name) =>
        string.Equals(name, nameof(WorkflowOrchestrator), StringComparison.OrdinalIgnoreCase)
        || string.Equals(name, nameof(WorkflowRerunOrchestrator), StringComparison.OrdinalIgnoreCase);
}
