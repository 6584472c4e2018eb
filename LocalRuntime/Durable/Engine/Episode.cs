using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace LocalRuntime.Durable.Engine;

/// <summary>
/// One orchestration episode: applies a batch of messages to a live session, collects the new history,
/// the actions the code made and the resulting state, and builds the checkpoint that commits them.
/// </summary>
internal sealed class Episode(DurableEngine engine, OrchestrationSession session, InstanceMailbox mailbox)
{
    private readonly List<HistoryEvent> _newEvents = [];

    // Most episodes send nothing, start nothing: these lists are made on first use.
    private List<OrchestrationMessage>? _outbound;
    private List<ActivityWorkItem>? _activities;
    private List<InstanceState>? _newInstances;
    private List<OrchestrationMessage> _work = [];
    private int _next;
    private InstanceState _state = session.State;
    private DateTime _now;
    private bool _replaceHistory;
    private bool _stateChanged;

    /// <summary>Ids of the messages this episode consumed (including dropped duplicates).</summary>
    public List<long> Consumed { get; private set; } = [];

    /// <summary>Whether nothing but dropped messages came of it.</summary>
    public bool IsEmpty => _newEvents.Count == 0 && !_stateChanged && (_outbound is null || _outbound.Count == 0);

    private List<OrchestrationMessage> Outbound => _outbound ??= [];

    /// <summary>Whether the session is over (finished, or replaced by continue-as-new).</summary>
    public bool EndsSession { get; private set; }

    private LocalOrchestrationContext Context => session.Context;

    /// <summary>Applies the batch.</summary>
    public void Run(List<OrchestrationMessage> batch)
    {
        _now = engine.UtcNow();
        if (_now < session.LastEpisodeAt)
        {
            _now = session.LastEpisodeAt;
        }

        session.LastEpisodeAt = _now;
        Context.SetCurrentTime(_now);

        Consumed = new List<long>(batch.Count);
        _work = batch;
        _next = 0;
        while (_next < _work.Count)
        {
            var message = _work[_next++];
            if (EndsSession || _state.IsTerminal || (message.ExecutionId is not null && message.ExecutionId != _state.ExecutionId))
            {
                Consumed.Add(message.Id); // finished or stale execution: dropped
                continue;
            }

            var e = message.Event;
            if (_state.Status == OrchestrationRuntimeStatus.Suspended
                && e.Type is not (HistoryEventType.ExecutionResumed or HistoryEventType.ExecutionTerminated or HistoryEventType.ExecutionSuspended))
            {
                lock (mailbox)
                {
                    mailbox.Held.Add(message); // stays stored; consumed after resume
                }

                continue;
            }

            Consumed.Add(message.Id);
            Apply(e);
            CheckCompletion();
        }

        if (!EndsSession)
        {
            CommitActions();
        }

        if (Context.CustomStatusChanged && !_replaceHistory)
        {
            Context.CustomStatusChanged = false;
            _state = _state with { CustomStatus = DataConverter.Serialize(Context.CustomStatus) };
            _stateChanged = true;
        }
    }

    /// <summary>The checkpoint that commits this episode.</summary>
    public OrchestrationCheckpoint BuildCheckpoint() => new()
    {
        State = _state with { LastUpdatedAt = _now },
        NewEvents = _newEvents,
        ReplaceHistory = _replaceHistory,
        ConsumedMessageIds = Consumed,
        OutboundMessages = (IReadOnlyList<OrchestrationMessage>?)_outbound ?? [],
        NewActivities = (IReadOnlyList<ActivityWorkItem>?)_activities ?? [],
        NewInstances = (IReadOnlyList<InstanceState>?)_newInstances ?? [],
    };

    private void Apply(HistoryEvent e)
    {
        switch (e.Type)
        {
            case HistoryEventType.ExecutionStarted:
                if (session.Started is not null)
                {
                    return; // duplicate start
                }

                Append(e);
                SetState(_state with { Status = OrchestrationRuntimeStatus.Running });
                OrchestrationReplayer.StartOrchestrator(session, e, engine.Registry);
                break;

            case HistoryEventType.TaskCompleted or HistoryEventType.TaskFailed or HistoryEventType.TimerFired
                or HistoryEventType.SubOrchestrationCompleted or HistoryEventType.SubOrchestrationFailed
                or HistoryEventType.EntityOperationCompleted or HistoryEventType.EntityOperationFailed or HistoryEventType.EntityLockGranted:
                if (!Context.IsOpen(e.TaskId))
                {
                    return; // duplicate or unknown outcome: committed once already
                }

                Append(e);
                Context.RunCode(static x => x.Context.ApplyOutcome(x.e), (Context, e));
                break;

            case HistoryEventType.EventRaised:
                Append(e);
                Context.RunCode(static x => x.Context.DeliverEvent(x.e.Name ?? string.Empty, x.e.Data), (Context, e));
                break;

            case HistoryEventType.ExecutionSuspended when _state.Status == OrchestrationRuntimeStatus.Running:
                Append(e);
                SetState(_state with { Status = OrchestrationRuntimeStatus.Suspended });
                break;

            case HistoryEventType.ExecutionResumed when _state.Status == OrchestrationRuntimeStatus.Suspended:
                Append(e);
                SetState(_state with { Status = OrchestrationRuntimeStatus.Running });
                List<OrchestrationMessage> held;
                lock (mailbox)
                {
                    held = [.. mailbox.Held];
                    mailbox.Held.Clear();
                }

                // Held messages go before whatever else is waiting, in their original order.
                held.AddRange(_work.Skip(_next));
                _work = held;
                _next = 0;

                break;

            case HistoryEventType.ExecutionTerminated:
                Append(e);
                foreach (var child in Context.OpenChildInstanceIds)
                {
                    Outbound.Add(Message(child, null, new HistoryEvent { Type = HistoryEventType.ExecutionTerminated, Timestamp = _now, Data = e.Data }));
                }

                Finish(OrchestrationRuntimeStatus.Terminated, e.Data, null);
                break;

            default:
                break; // suspend while suspended, resume while running: no effect
        }
    }

    private void CheckCompletion()
    {
        if (EndsSession)
        {
            return;
        }

        if (Context.NondeterminismError is { } error)
        {
            Finish(OrchestrationRuntimeStatus.Failed, null, new TaskFailureDetails("NonDeterministicOrchestrationException", error, null, null));
            return;
        }

        if (session.StartFailure is { } startFailure)
        {
            Finish(OrchestrationRuntimeStatus.Failed, null, startFailure);
            return;
        }

        var orchestrator = session.Orchestrator;
        if (orchestrator is null || !orchestrator.IsCompleted)
        {
            return;
        }

        if (!orchestrator.IsCompletedSuccessfully)
        {
            var exception = orchestrator.Exception?.InnerException ?? new TaskCanceledException("The orchestrator was cancelled.");
            CommitActions();
            Finish(OrchestrationRuntimeStatus.Failed, null, TaskFailureDetails.FromException(exception));
            return;
        }

        if (Context.ContinueAsNewRequest is { } request)
        {
            ContinueAsNew(request.Input, request.PreserveEvents);
            return;
        }

        CommitActions();
        Finish(OrchestrationRuntimeStatus.Completed, DataConverter.Serialize(orchestrator.Result), null);
    }

    private void Finish(OrchestrationRuntimeStatus status, string? output, TaskFailureDetails? failure)
    {
        Append(new HistoryEvent { Type = HistoryEventType.ExecutionCompleted, Timestamp = _now, Status = status, Data = output, Failure = failure });
        SetState(_state with { Status = status, Output = output, Failure = failure });
        EndsSession = true;
        ReleaseHeldLocks();

        if (session.Started?.Parent is { } parent)
        {
            var outcome = status == OrchestrationRuntimeStatus.Completed
                ? new HistoryEvent { Type = HistoryEventType.SubOrchestrationCompleted, Timestamp = _now, TaskId = parent.TaskId, Data = output }
                : new HistoryEvent
                {
                    Type = HistoryEventType.SubOrchestrationFailed,
                    Timestamp = _now,
                    TaskId = parent.TaskId,
                    Failure = failure ?? new TaskFailureDetails("TerminatedException", $"Sub-orchestration '{session.State.InstanceId}' was terminated: {output}", null, null),
                };
            Outbound.Add(Message(parent.InstanceId, parent.ExecutionId, outcome));
        }
    }

    private void ContinueAsNew(string? input, bool preserveEvents)
    {
        var executionId = Guid.NewGuid().ToString("N");
        var started = session.Started!;
        _outbound?.Clear();
        foreach (var action in Context.TakeNewActions())
        {
            if (action.Kind == ActionKind.SendEvent)
            {
                Outbound.Add(Message(action.TargetInstanceId!, null, new HistoryEvent { Type = HistoryEventType.EventRaised, Timestamp = _now, Name = action.Name, Data = action.Data }));
            }
        }

        Outbound.Add(Message(_state.InstanceId, executionId, new HistoryEvent
        {
            Type = HistoryEventType.ExecutionStarted,
            Timestamp = _now,
            InstanceId = _state.InstanceId,
            Name = started.Name,
            Data = input,
            ExecutionId = executionId,
            Parent = started.Parent,
            Tags = started.Tags,
        }));

        if (preserveEvents)
        {
            foreach (var (name, data) in Context.UnprocessedEvents())
            {
                Outbound.Add(Message(_state.InstanceId, executionId, new HistoryEvent { Type = HistoryEventType.EventRaised, Timestamp = _now, Name = name, Data = data }));
            }
        }

        ReleaseHeldLocks();
        _newEvents.Clear();
        _replaceHistory = true;
        SetState(_state with { ExecutionId = executionId, Status = OrchestrationRuntimeStatus.Running, Input = input, Output = null, Failure = null });
        EndsSession = true;
    }

    /// <summary>Turns the code's new actions into history events, activities and messages.</summary>
    private void CommitActions()
    {
        foreach (var action in Context.TakeNewActions())
        {
            switch (action.Kind)
            {
                case ActionKind.ScheduleTask:
                    Append(new HistoryEvent { Type = HistoryEventType.TaskScheduled, Timestamp = _now, TaskId = action.TaskId, Name = action.Name, Data = action.Data });
                    (_activities ??= []).Add(new ActivityWorkItem
                    {
                        Id = engine.NextId(),
                        InstanceId = _state.InstanceId,
                        ExecutionId = _state.ExecutionId,
                        TaskId = action.TaskId,
                        Name = action.Name,
                        Input = action.Data,
                    });
                    break;

                case ActionKind.CreateTimer:
                    Append(new HistoryEvent { Type = HistoryEventType.TimerCreated, Timestamp = _now, TaskId = action.TaskId, FireAt = action.FireAt });
                    Outbound.Add(new OrchestrationMessage
                    {
                        Id = engine.NextId(),
                        InstanceId = _state.InstanceId,
                        ExecutionId = _state.ExecutionId,
                        Event = new HistoryEvent { Type = HistoryEventType.TimerFired, Timestamp = action.FireAt, TaskId = action.TaskId, FireAt = action.FireAt },
                        VisibleAt = action.FireAt,
                    });
                    break;

                case ActionKind.CreateSubOrchestration:
                    CreateSubOrchestration(action);
                    break;

                case ActionKind.CallEntity or ActionKind.SignalEntity or ActionKind.LockEntities or ActionKind.UnlockEntities:
                    CommitEntityAction(action);
                    break;

                case ActionKind.SendEvent:
                    Append(new HistoryEvent { Type = HistoryEventType.EventSent, Timestamp = _now, TaskId = action.TaskId, Name = action.Name, InstanceId = action.TargetInstanceId, Data = action.Data });
                    Outbound.Add(Message(action.TargetInstanceId!, null, new HistoryEvent { Type = HistoryEventType.EventRaised, Timestamp = _now, Name = action.Name, Data = action.Data }));
                    break;
            }
        }
    }

    private void CreateSubOrchestration(PendingAction action)
    {
        var childId = action.TargetInstanceId!;
        var executionId = Guid.NewGuid().ToString("N");
        Append(new HistoryEvent { Type = HistoryEventType.SubOrchestrationCreated, Timestamp = _now, TaskId = action.TaskId, Name = action.Name, InstanceId = childId, Data = action.Data });
        (_newInstances ??= []).Add(new InstanceState
        {
            InstanceId = childId,
            Name = action.Name,
            ExecutionId = executionId,
            Status = OrchestrationRuntimeStatus.Pending,
            CreatedAt = _now,
            LastUpdatedAt = _now,
            Input = action.Data,
            ParentInstanceId = _state.InstanceId,
        });
        Outbound.Add(Message(childId, executionId, new HistoryEvent
        {
            Type = HistoryEventType.ExecutionStarted,
            Timestamp = _now,
            InstanceId = childId,
            Name = action.Name,
            Data = action.Data,
            ExecutionId = executionId,
            Parent = new ParentInfo(session.State.Name, _state.InstanceId, _state.ExecutionId, action.TaskId),
        }));
    }

    private void CommitEntityAction(PendingAction action)
    {
        var type = PendingAction.ScheduledEventType(action.Kind);
        Append(new HistoryEvent { Type = type, Timestamp = _now, TaskId = action.TaskId, Name = action.Name, InstanceId = action.TargetInstanceId, Data = action.Data });
        var caller = new ParentInfo(session.State.Name, _state.InstanceId, _state.ExecutionId, action.TaskId);
        switch (action.Kind)
        {
            case ActionKind.CallEntity:
                Outbound.Add(Message(action.TargetInstanceId!, null, new HistoryEvent
                {
                    Type = HistoryEventType.EntityOperationRequested, Timestamp = _now, Name = action.Name, Data = action.Data, InstanceId = _state.InstanceId, Parent = caller,
                }));
                break;

            case ActionKind.SignalEntity:
                Outbound.Add(new OrchestrationMessage
                {
                    Id = engine.NextId(),
                    InstanceId = action.TargetInstanceId!,
                    VisibleAt = action.FireAt == default ? null : action.FireAt,
                    Event = new HistoryEvent { Type = HistoryEventType.EntityOperationRequested, Timestamp = _now, Name = action.Name, Data = action.Data, InstanceId = _state.InstanceId },
                });
                break;

            case ActionKind.LockEntities:
                var ids = DataConverter.Deserialize<string[]>(action.Data) ?? [];
                Outbound.Add(Message(ids[0], null, new HistoryEvent
                {
                    Type = HistoryEventType.EntityLockRequested,
                    Timestamp = _now,
                    InstanceId = _state.InstanceId,
                    Parent = caller,
                    Data = System.Text.Json.JsonSerializer.Serialize(ids[1..], DataConverter.Options),
                }));
                break;

            default:
                foreach (var id in DataConverter.Deserialize<string[]>(action.Data) ?? [])
                {
                    Outbound.Add(Message(id, null, new HistoryEvent { Type = HistoryEventType.EntityUnlockRequested, Timestamp = _now, InstanceId = _state.InstanceId }));
                }

                break;
        }
    }

    /// <summary>An orchestration that ends (or continues as new) inside a critical section releases its locks.</summary>
    private void ReleaseHeldLocks()
    {
        if (Context.LockedEntities is not { } locked)
        {
            return;
        }

        foreach (var id in locked)
        {
            Outbound.Add(Message(id.ToString(), null, new HistoryEvent { Type = HistoryEventType.EntityUnlockRequested, Timestamp = _now, InstanceId = _state.InstanceId }));
        }
    }

    private OrchestrationMessage Message(string instanceId, string? executionId, HistoryEvent e) => new()
    {
        Id = engine.NextId(),
        InstanceId = instanceId,
        ExecutionId = executionId,
        Event = e,
    };

    private void Append(HistoryEvent e)
    {
        if (_newEvents.Count == 0)
        {
            _newEvents.Add(new HistoryEvent { Type = HistoryEventType.OrchestratorStarted, Timestamp = _now });
        }

        _newEvents.Add(e);
    }

    private void SetState(InstanceState state)
    {
        _state = state;
        _stateChanged = true;
    }
}
