using System.Text.Json;
using Microsoft.Azure.Functions.Worker;
using ServerlessTasks.Activities;
using ServerlessTasks.Activities.Events;
using ServerlessTasks.Domain.Model;
using ServerlessTasks.Functions.Contracts;
using ServerlessTasks.TaskIndex;

namespace ServerlessTasks.Functions.Orchestration;

/// <summary>First attempts of several ready tasks of one batch, run by one activity invocation.</summary>
/// <param name="Tasks">Each task's invocation (its own idempotency key and send stamp).</param>
public sealed record TaskGroup(IReadOnlyList<TaskInvocation> Tasks);

/// <summary>One task's first attempt in a <see cref="TaskGroup"/>: its stamps and result, or why it failed.</summary>
/// <param name="Done">The attempt's result and host stamps, when it succeeded.</param>
/// <param name="Error">The error, when it failed (the orchestrator retries it on its own, as any failed attempt).</param>
public sealed record GroupedAttempt(TaskActivityResult? Done, string? Error);

/// <summary>Consecutive links of a chain segment whose first attempts run in one activity invocation, in order.</summary>
/// <param name="WorkflowId">The workflow they belong to.</param>
/// <param name="Links">Each link's invocation; the first carries the segment's dispatch stamp.</param>
public sealed record ChainGroup(string WorkflowId, IReadOnlyList<TaskInvocation> Links);

/// <summary>One link of a <see cref="ChainGroup"/> as it ran.</summary>
/// <param name="Done">Its result and host stamps, when its first attempt succeeded.</param>
/// <param name="Error">The error, when it failed (the group stops there; the segment retries it).</param>
/// <param name="Events">Its events stamped here, in order: ready and dispatched (not for the first link, which the
/// segment dispatched), started, and completed when a next link followed it here.</param>
/// <param name="DispatchedAt">When it was dispatched.</param>
/// <param name="FinishedAt">When it finished.</param>
public sealed record ChainLink(TaskActivityResult? Done, string? Error, IReadOnlyList<TaskEvent> Events, DateTimeOffset DispatchedAt, DateTimeOffset FinishedAt);

/// <summary>
/// Runs the first attempts of a group of ready tasks in one activity invocation: each is received, stamped
/// and run as its own activity would run it (same host clock, same result), one after the other. Only for
/// task types that compute their result from the payload alone (<see cref="CanGroup"/>), without a timeout
/// or a resource pool: every Durable activity costs a worker invocation, a store commit and an orchestration
/// episode to record its completion, far more than an <c>echo</c>.
/// </summary>
public sealed class TaskGroupActivity(HostClock clock)
{
    /// <summary>The most tasks per group.</summary>
    public const int MaxSize = 25;

    /// <summary>
    /// Whether a task's first attempt may run in a group: <c>echo</c> or <c>compute</c> (pure, local, bounded),
    /// no timeout (it would race its own durable timer) and no pool (a slot is held per attempt).
    /// </summary>
    public static bool CanGroup(TaskSpec task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return (task.TaskType.Equals(TaskTypes.Echo, StringComparison.OrdinalIgnoreCase) || task.TaskType.Equals(TaskTypes.Compute, StringComparison.OrdinalIgnoreCase))
            && task.Timeout is null
            && task.Cache is null // looked up in the cache first (TaskRunner)
            && Pools.PoolSlots.Catalog.PoolFor(task.TaskType) is null;
    }

    /// <summary>The activity function: one entry per task, in the group's order.</summary>
    [Function(nameof(RunTaskGroup))]
    public async Task<IReadOnlyList<GroupedAttempt>> RunTaskGroup([ActivityTrigger] TaskGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        var results = new List<GroupedAttempt>(group.Tasks.Count);
        foreach (var invocation in group.Tasks)
        {
            try
            {
                results.Add(new GroupedAttempt(await clock.RunAsync(invocation.Hlc, () => Task.FromResult(Execute(invocation))), null));
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or FormatException or JsonException)
            {
                // As the task's own activity would fail: the message is the attempt's error.
                results.Add(new GroupedAttempt(null, ex.Message));
            }
        }

        return results;
    }

    /// <summary>
    /// The activity function for a run of chain links: each link starts when the one before it completed, as the
    /// segment would start it, so this activity stamps (with the host clock) the completion of each link it goes past
    /// and the next link's ready and dispatched events. Stops at the first failed link. Only pure task types are
    /// grouped (<see cref="CanGroup"/>), so links run here after a cancel have no effect anyone sees.
    /// </summary>
    [Function(nameof(RunChainGroup))]
    public async Task<IReadOnlyList<ChainLink>> RunChainGroup([ActivityTrigger] ChainGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        var links = new List<ChainLink>(group.Links.Count);
        List<TaskEvent>? previous = null;
        for (var k = 0; k < group.Links.Count; k++)
        {
            var invocation = group.Links[k];
            var events = new List<TaskEvent>();
            var sent = invocation.Hlc;
            var dispatchedAt = sent?.PhysicalTime ?? default;
            if (previous is not null)
            {
                previous.Add(await StampAsync(group.Links[k - 1], TaskEventKind.Completed, 1));
                events.Add(await StampAsync(invocation, TaskEventKind.Ready, 0));
                var dispatched = await StampAsync(invocation, TaskEventKind.Dispatched, 1);
                events.Add(dispatched);
                sent = dispatched.Hlc;
                dispatchedAt = dispatched.At;
            }

            try
            {
                var done = await clock.RunAsync(sent, () => Task.FromResult(Execute(invocation)));
                events.Add(new TaskEvent
                {
                    WorkflowId = invocation.WorkflowId,
                    TaskId = invocation.TaskId,
                    Kind = TaskEventKind.Started,
                    Hlc = done.Started,
                    At = done.Started.PhysicalTime,
                    Attempt = 1,
                });
                links.Add(new ChainLink(done, null, events, dispatchedAt, done.Finished.PhysicalTime));
                previous = events;
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or FormatException or JsonException)
            {
                links.Add(new ChainLink(null, ex.Message, events, dispatchedAt, dispatchedAt));
                break;
            }
        }

        return links;
    }

    private async Task<TaskEvent> StampAsync(TaskInvocation link, TaskEventKind kind, int attempt)
    {
        var hlc = await clock.NowAsync();
        return new TaskEvent { WorkflowId = link.WorkflowId, TaskId = link.TaskId, Kind = kind, Hlc = hlc, At = hlc.PhysicalTime, Attempt = attempt };
    }

    private static JsonElement? Execute(TaskInvocation invocation) =>
        invocation.TaskType.Equals(TaskTypes.Compute, StringComparison.OrdinalIgnoreCase) ? ComputeActivity.Execute(invocation) : invocation.Payload;
}
