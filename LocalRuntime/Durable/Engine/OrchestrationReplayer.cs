using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging.Abstractions;

namespace LocalRuntime.Durable.Engine;

/// <summary>The outcome of replaying orchestrator code against a recorded history.</summary>
/// <param name="NondeterminismError">Why the code does not match the history; null when it does.</param>
/// <param name="IsCompleted">Whether the replayed code finished.</param>
/// <param name="SerializedOutput">Its output (JSON), when it completed successfully.</param>
/// <param name="Failure">Its failure, when it failed.</param>
/// <param name="PendingActions">Decisions the code made that the history does not hold (what it would do next).</param>
public sealed record ReplayResult(
    string? NondeterminismError,
    bool IsCompleted,
    string? SerializedOutput,
    TaskFailureDetails? Failure,
    IReadOnlyList<string> PendingActions);

/// <summary>
/// Re-runs orchestrator code against a history: how the engine rebuilds an evicted orchestration, and
/// how tests check that changed code still matches recorded histories. Linear in the history length.
/// </summary>
public static class OrchestrationReplayer
{
    /// <summary>Replays <paramref name="orchestrator"/> against <paramref name="history"/> and reports what it did.</summary>
    public static ReplayResult Replay(IReadOnlyList<HistoryEvent> history, string orchestratorName, OrchestratorFunction orchestrator)
    {
        ArgumentNullException.ThrowIfNull(history);
        var registry = new DurableFunctionRegistry().AddOrchestrator(orchestratorName, orchestrator);
        var started = history.FirstOrDefault(e => e.Type == HistoryEventType.ExecutionStarted)
            ?? throw new ArgumentException("The history has no ExecutionStarted event.", nameof(history));
        var state = new InstanceState
        {
            InstanceId = started.InstanceId ?? "replay",
            Name = started.Name ?? orchestratorName,
            ExecutionId = started.ExecutionId ?? "replay",
            Status = OrchestrationRuntimeStatus.Running,
        };
        var session = new OrchestrationSession(state, new LocalOrchestrationContext(state.InstanceId, NullLoggerFactory.Instance));
        Replay(session, history, registry);

        var context = session.Context;
        var pending = context.TakeNewActions().Select(a => $"{a.Kind} '{a.Name}' #{a.TaskId}").ToList();
        var task = session.Orchestrator;
        var failure = session.StartFailure;
        string? output = null;
        if (task is { IsCompleted: true })
        {
            if (task.IsCompletedSuccessfully)
            {
                output = DataConverter.Serialize(task.Result);
            }
            else
            {
                failure = TaskFailureDetails.FromException(task.Exception?.InnerException ?? new TaskCanceledException());
            }
        }

        return new ReplayResult(context.NondeterminismError, task?.IsCompleted ?? false, output, failure, pending);
    }

    /// <summary>Re-runs orchestrator code against history into a session.</summary>
    internal static void Replay(OrchestrationSession session, IReadOnlyList<HistoryEvent> history, DurableFunctionRegistry registry)
    {
        if (history.Count == 0 || session.IsFinished)
        {
            return;
        }

        var context = session.Context;
        context.SetReplaying(true);
        foreach (var e in history)
        {
            switch (e.Type)
            {
                case HistoryEventType.OrchestratorStarted:
                    context.SetCurrentTime(e.Timestamp);
                    session.LastEpisodeAt = e.Timestamp;
                    break;
                case HistoryEventType.ExecutionStarted:
                    StartOrchestrator(session, e, registry);
                    break;
                case HistoryEventType.TaskScheduled or HistoryEventType.TimerCreated
                    or HistoryEventType.SubOrchestrationCreated or HistoryEventType.EventSent
                    or HistoryEventType.EntityOperationCalled or HistoryEventType.EntityOperationSignaled
                    or HistoryEventType.EntityLockRequested or HistoryEventType.EntityUnlockSent:
                    context.MatchScheduled(e);
                    break;
                case HistoryEventType.TaskCompleted or HistoryEventType.TaskFailed or HistoryEventType.TimerFired
                    or HistoryEventType.SubOrchestrationCompleted or HistoryEventType.SubOrchestrationFailed
                    or HistoryEventType.EntityOperationCompleted or HistoryEventType.EntityOperationFailed or HistoryEventType.EntityLockGranted:
                    context.RunCode(static x => x.context.ApplyOutcome(x.e), (context, e));
                    break;
                case HistoryEventType.EventRaised:
                    context.RunCode(static x => x.context.DeliverEvent(x.e.Name ?? string.Empty, x.e.Data), (context, e));
                    break;
                default:
                    break;
            }

            if (context.NondeterminismError is not null)
            {
                break;
            }
        }

        // Actions the replayed code made beyond what history holds stay pending: they are new
        // decisions and are committed by the episode that follows, as after any other event.
        context.SetReplaying(false);
    }

    /// <summary>Starts orchestrator code for an ExecutionStarted event.</summary>
    internal static void StartOrchestrator(OrchestrationSession session, HistoryEvent started, DurableFunctionRegistry registry)
    {
        session.Started = started;
        session.Context.InitializeExecution(started);
        if (!registry.TryGetOrchestrator(started.Name ?? string.Empty, out var function))
        {
            session.StartFailure = new TaskFailureDetails(
                typeof(InvalidOperationException).FullName!,
                $"The orchestrator function '{started.Name}' does not exist in this app.",
                null,
                null);
            return;
        }

        session.Context.RunCode(static x => x.session.Orchestrator = Invoke(x.function, x.session.Context), (session, function));
    }

    private static Task<object?> Invoke(OrchestratorFunction function, LocalOrchestrationContext context)
    {
        try
        {
            return function(context);
        }
        catch (Exception ex)
        {
            // Code that throws before its first await fails the orchestration like any other exception.
            return Task.FromException<object?>(ex);
        }
    }
}
