using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using ServerlessTasks.Functions.Orchestration;

namespace ServerlessTasks.Functions.DeadLetters;

/// <summary>
/// Starts a rerun that was asked for while its workflow ran (<see cref="WorkflowRerun"/>), once the workflow's current
/// run has ended. The claim itself is in the task index; this orchestration (instance <see cref="QueuedRerun.InstanceId"/>)
/// is the durable promise to start it: it asks <see cref="DeadLetterActivities.StartQueuedRerun"/> whether the run has
/// ended (and if so starts the rerun), waiting on a durable timer between asks.
/// </summary>
/// <remarks>
/// Durable Functions offers no "wait for another instance to complete", so this polls: 0.5 s doubling to
/// <see cref="MaxPollInterval"/>; a rerun starts at most that long after the run ended. The history is kept small by
/// continuing as new every <see cref="PollsPerExecution"/> polls (a workflow may run for days).
/// </remarks>
public static class WorkflowRerunQueueOrchestrator
{
    /// <summary>The longest wait between two asks.</summary>
    public static readonly TimeSpan MaxPollInterval = TimeSpan.FromSeconds(5);

    /// <summary>Asks per execution before it continues as new.</summary>
    public const int PollsPerExecution = 100;

    /// <summary>The orchestrator function.</summary>
    [Function(nameof(WorkflowRerunQueueOrchestrator))]
    public static async Task RunAsync([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var queued = context.GetInput<QueuedRerun>() ?? throw new InvalidOperationException("The rerun queue needs a queued rerun as input.");
        for (var poll = 0; poll < PollsPerExecution; poll++)
        {
            var state = await context.CallActivityAsync<QueuedRerunState>(nameof(DeadLetterActivities.StartQueuedRerun), queued, OrchestrationDefaults.BookkeepingRetry);
            if (state == QueuedRerunState.Done)
            {
                return;
            }

            var wait = TimeSpan.FromSeconds(Math.Min(MaxPollInterval.TotalSeconds, 0.5 * Math.Pow(2, poll)));
            await context.CreateTimer(context.CurrentUtcDateTime + wait, CancellationToken.None);
        }

        context.ContinueAsNew(queued);
    }
}
