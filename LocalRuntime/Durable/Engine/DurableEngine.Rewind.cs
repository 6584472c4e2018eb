using Microsoft.DurableTask.Client;

namespace LocalRuntime.Durable.Engine;

public sealed partial class DurableEngine
{
    /// <summary>
    /// Rewinds a failed orchestration: its history is rebuilt without the failure outcomes that ended it (the
    /// failed activities and sub-orchestrations after its last decision, with their scheduling events, and
    /// <c>ExecutionCompleted</c>), the code is replayed against it and the calls that failed are made again,
    /// all committed as one checkpoint that replaces the history.
    /// </summary>
    /// <remarks>
    /// Failures the code handled (caught, or retried: a decision follows them) stay in history, so replay stays
    /// deterministic. A failed sub-orchestration is started again from scratch under its instance id.
    /// </remarks>
    private async Task RewindAsync(InstanceMailbox mailbox, OrchestrationSession failed, List<OrchestrationMessage> batch)
    {
        var history = await Store.GetHistoryAsync(mailbox.InstanceId);
        var rebuilt = WithoutFinalFailures(history);
        var now = UtcNow();
        var rewind = batch.Find(static m => m.Event.Type == HistoryEventType.ExecutionRewound)!;
        rebuilt.Add(new HistoryEvent { Type = HistoryEventType.OrchestratorStarted, Timestamp = now });
        rebuilt.Add(new HistoryEvent { Type = HistoryEventType.ExecutionRewound, Timestamp = now, Data = rewind.Event.Data });

        var state = failed.State with { Status = OrchestrationRuntimeStatus.Running, Output = null, Failure = null };
        var session = new OrchestrationSession(state, new LocalOrchestrationContext(mailbox.InstanceId, _loggerFactory));
        OrchestrationReplayer.Replay(session, rebuilt, _registry);

        var rest = batch.FindAll(static m => m.Event.Type != HistoryEventType.ExecutionRewound);
        var episode = new Episode(this, session, mailbox);
        episode.Run(rest);
        var step = episode.BuildCheckpoint();
        rebuilt.AddRange(step.NewEvents);
        var consumed = new List<long>(step.ConsumedMessageIds);
        foreach (var message in batch)
        {
            if (message.Event.Type == HistoryEventType.ExecutionRewound)
            {
                consumed.Add(message.Id);
            }
        }

        var checkpoint = new OrchestrationCheckpoint
        {
            State = step.State,
            NewEvents = rebuilt,
            ReplaceHistory = true,
            ConsumedMessageIds = consumed,
            OutboundMessages = step.OutboundMessages,
            NewActivities = step.NewActivities,
            NewInstances = step.NewInstances,
        };
        await Store.CommitCheckpointAsync(checkpoint);
        session.State = checkpoint.State;
        mailbox.Session = episode.EndsSession || _options.MaxCachedOrchestrations == 0 ? null : session;
        if (mailbox.Session is not null && _cache.Touch(mailbox) is { } evicted)
        {
            Evict(evicted);
        }

        foreach (var activity in checkpoint.NewActivities)
        {
            EnqueueActivity(activity);
        }

        foreach (var message in checkpoint.OutboundMessages)
        {
            Route(message);
        }

        NotifyStateChanged(checkpoint.State);
    }

    /// <summary>The history without <c>ExecutionCompleted</c> and without the failed calls that no later decision handled.</summary>
    internal static List<HistoryEvent> WithoutFinalFailures(IReadOnlyList<HistoryEvent> history)
    {
        var lastDecision = -1;
        for (var i = 0; i < history.Count; i++)
        {
            if (IsDecision(history[i].Type))
            {
                lastDecision = i;
            }
        }

        var removed = new HashSet<int>();
        for (var i = lastDecision + 1; i < history.Count; i++)
        {
            if (history[i].Type is HistoryEventType.TaskFailed or HistoryEventType.SubOrchestrationFailed)
            {
                removed.Add(history[i].TaskId);
            }
        }

        var result = new List<HistoryEvent>(history.Count);
        foreach (var e in history)
        {
            var isFailedCall = removed.Contains(e.TaskId) && e.Type is HistoryEventType.TaskScheduled or HistoryEventType.TaskFailed
                or HistoryEventType.SubOrchestrationCreated or HistoryEventType.SubOrchestrationFailed;
            if (!isFailedCall && e.Type != HistoryEventType.ExecutionCompleted)
            {
                result.Add(e);
            }
        }

        return result;
    }

    private static bool IsDecision(HistoryEventType type) => type is HistoryEventType.TaskScheduled or HistoryEventType.TimerCreated
        or HistoryEventType.SubOrchestrationCreated or HistoryEventType.EventSent or HistoryEventType.EntityOperationCalled
        or HistoryEventType.EntityOperationSignaled or HistoryEventType.EntityLockRequested or HistoryEventType.EntityUnlockSent;
}
