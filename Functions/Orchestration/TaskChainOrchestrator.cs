using System.Text.Json;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using ServerlessTasks.Domain.Clock;
using ServerlessTasks.Domain.Model;
using ServerlessTasks.Functions.Contracts;
using ServerlessTasks.TaskIndex;

namespace ServerlessTasks.Functions.Orchestration;

/// <summary>A segment of a chain of a large workflow: each task's only dependency is the one before it.</summary>
/// <param name="WorkflowId">The workflow they belong to.</param>
/// <param name="Tasks">The tasks in chain order; the workflow already dispatched the first (its dependencies completed).</param>
/// <param name="Hlc">The workflow's stamp when it sent the segment; the segment's clock starts after it.</param>
public sealed record TaskChain(string WorkflowId, IReadOnlyList<TaskSpec> Tasks, HlcTimestamp? Hlc = null);

/// <summary>One task of a chain segment as it ran: its outcome and every event the segment stamped for it.</summary>
/// <param name="Outcome">The outcome (attempts, result or error); null for the link that was running when the
/// workflow was cancelled (the workflow records it as cancelled, as any task running then).</param>
/// <param name="Events">Its events in stamp order: ready and dispatched (not for the segment's first task, which
/// the workflow dispatched), the attempts' started and retried, then completed or failed.</param>
/// <param name="DispatchedAt">When it was dispatched (the segment's time).</param>
/// <param name="FinishedAt">When it finished (the segment's time).</param>
public sealed record ChainStep(TaskOutcome? Outcome, IReadOnlyList<TaskEvent> Events, DateTimeOffset DispatchedAt, DateTimeOffset FinishedAt);

/// <summary>
/// Runs a segment of a long chain of a large workflow as a sub-orchestration: each task starts when the one
/// before it completed, as the workflow would start it, and the segment stops at the first failure (the
/// workflow skips the rest) or when the workflow sends <see cref="WorkflowOrchestrator.CancelEvent"/>. Without
/// it a chain of n tasks runs n episodes of the workflow over a history of 4n events; with it the workflow runs
/// one episode per segment and no history grows past a few events per link of one segment.
/// </summary>
/// <remarks>
/// The workflow hands a chain here only where running it here changes nothing it promises: no parallelism cap
/// (one chain link never waits for a slot), no deadlines (no link can miss one before dispatch), activity
/// tasks only (delays and approvals wait in the workflow, where their events arrive). Every event is stamped
/// here by this orchestration's clock in the order the workflow would stamp it, so the journal's causal order
/// is the same as inline.
/// </remarks>
public static class TaskChainOrchestrator
{
    /// <summary>The fewest links worth a segment (shorter chains run inline in the workflow).</summary>
    public const int MinLength = 8;

    /// <summary>The most links per segment: bounds the segment's history and its result's size.</summary>
    public const int MaxLength = 200;

    /// <summary>The orchestrator function: the outcome of every task it ran, in chain order.</summary>
    [Function(nameof(TaskChainOrchestrator))]
    public static async Task<IReadOnlyList<ChainStep>> RunAsync([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var chain = context.GetInput<TaskChain>() ?? throw new InvalidOperationException("The chain orchestrator needs a chain as input.");
        var clock = new OrchestrationClock(context.InstanceId);
        var dispatchedAt = context.UtcNow();
        clock.Receive(chain.Hlc, dispatchedAt);
        var cancelled = context.WaitForExternalEvent<JsonElement?>(WorkflowOrchestrator.CancelEvent);
        using var cancellation = new CancellationTokenSource();
        var steps = new List<ChainStep>(chain.Tasks.Count);
        var i = 0;
        while (i < chain.Tasks.Count && !cancelled.IsCompleted)
        {
            var task = chain.Tasks[i];
            var events = new List<TaskEvent>();
            if (i > 0)
            {
                // As the workflow records a link it starts: ready when its dependency completed, then dispatched.
                events.Add(clock.Stamp(chain.WorkflowId, task.TaskId, TaskEventKind.Ready, dispatchedAt));
                events.Add(clock.Stamp(chain.WorkflowId, task.TaskId, TaskEventKind.Dispatched, dispatchedAt, attempt: 1));
            }

            var grouped = 0;
            while (i + grouped < chain.Tasks.Count && grouped < TaskGroupActivity.MaxSize && TaskGroupActivity.CanGroup(chain.Tasks[i + grouped]))
            {
                grouped++;
            }

            if (grouped >= 2)
            {
                // Several pure links in one activity: it runs them in order and stamps what happens between them.
                var links = chain.Tasks.Skip(i).Take(grouped)
                    .Select((t, k) => new TaskInvocation(chain.WorkflowId, t.TaskId!, t.TaskType, t.Payload, 1, k == 0 ? clock.Next(dispatchedAt) : null))
                    .ToList();
                var call = context.CallActivityAsync<IReadOnlyList<ChainLink>>(nameof(TaskGroupActivity.RunChainGroup), new ChainGroup(chain.WorkflowId, links));
                if (await Task.WhenAny(call, cancelled) != call)
                {
                    steps.Add(new ChainStep(null, events, dispatchedAt, dispatchedAt)); // the workflow records its first link as cancelled
                    break;
                }

                IReadOnlyList<ChainLink> ran;
                try
                {
                    ran = await call;
                }
                catch (TaskFailedException failed)
                {
                    ran = [new ChainLink(null, failed.FailureDetails.ErrorMessage, [], dispatchedAt, dispatchedAt)];
                }

                var stop = false;
                for (var k = 0; k < ran.Count && !stop; k++)
                {
                    var link = ran[k];
                    var linkTask = chain.Tasks[i + k];
                    var linkEvents = k == 0 ? events : new List<TaskEvent>();
                    linkEvents.AddRange(link.Events);
                    var at = k == 0 ? dispatchedAt : link.DispatchedAt;
                    if (link.Done is { } done && k < ran.Count - 1)
                    {
                        // Completed here already (a next link followed it in the group).
                        steps.Add(new ChainStep(new TaskOutcome(true, done.Result, null, 1, null, link.Events[^1].Hlc), linkEvents, at, link.FinishedAt));
                        continue;
                    }

                    TaskOutcome outcome;
                    if (link.Done is { } last)
                    {
                        outcome = new TaskOutcome(true, last.Result, null, 1);
                        clock.Receive(last.Finished, context.UtcNow());
                    }
                    else
                    {
                        if (linkEvents.Count > 0)
                        {
                            clock.Receive(linkEvents.Max(e => e.Hlc), context.UtcNow());
                        }

                        outcome = await TaskRunner.RetryAfterFirstAttemptAsync(context, chain.WorkflowId, linkTask, clock, link.Error ?? "failed", cancellation.Token);
                        linkEvents.AddRange(outcome.Events ?? []);
                    }

                    dispatchedAt = context.UtcNow();
                    stop = !Record(steps, chain.WorkflowId, linkTask, outcome, linkEvents, at, dispatchedAt, clock);
                }

                if (stop)
                {
                    break;
                }

                i += ran.Count;
                continue;
            }

            var running = TaskRunner.RunAsync(context, chain.WorkflowId, task, clock, cancellation.Token);
            if (await Task.WhenAny(running, cancelled) != running)
            {
                // The workflow was cancelled: stop this link's timers, start nothing more, report it as running.
                cancellation.Cancel();
                steps.Add(new ChainStep(null, events, dispatchedAt, dispatchedAt));
                break;
            }

            var single = await running;
            events.AddRange(single.Events ?? []);
            var started = dispatchedAt;
            dispatchedAt = context.UtcNow();
            if (!Record(steps, chain.WorkflowId, task, single, events, started, dispatchedAt, clock))
            {
                break;
            }

            i++;
        }

        return steps;
    }

    /// <summary>Stamps a link's completion or failure as the workflow would and adds its step; false when it failed (the chain stops).</summary>
    private static bool Record(List<ChainStep> steps, string workflowId, TaskSpec task, TaskOutcome outcome, List<TaskEvent> events, DateTimeOffset dispatchedAt, DateTimeOffset finishedAt, OrchestrationClock clock)
    {
        events.Add(outcome.Succeeded
            ? clock.Stamp(workflowId, task.TaskId, TaskEventKind.Completed, finishedAt, outcome.Attempts, after: outcome.Finished)
            : clock.Stamp(workflowId, task.TaskId, TaskEventKind.Failed, finishedAt, outcome.Attempts, outcome.Error ?? "failed", outcome.Finished));
        steps.Add(new ChainStep(outcome with { Events = null, Finished = clock.Current }, events, dispatchedAt, finishedAt));
        return outcome.Succeeded;
    }
}
