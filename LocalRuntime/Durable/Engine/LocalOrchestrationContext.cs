using System.Security.Cryptography;
using System.Text;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;

namespace LocalRuntime.Durable.Engine;

/// <summary>
/// The engine's <see cref="TaskOrchestrationContext"/>: turns orchestrator calls into actions, matches
/// them against history while replaying, and completes awaited tasks as outcome events are applied.
/// One instance lives as long as the orchestration stays cached; a cold start replays history into a
/// fresh one.
/// </summary>
internal sealed partial class LocalOrchestrationContext : TaskOrchestrationContext
{
    private readonly Dictionary<int, OpenTask> _open = [];
    private readonly Dictionary<int, PendingAction> _unmatched = [];
    private readonly List<PendingAction> _actions = [];
    private readonly List<PendingAction> _taken = [];
    private readonly Dictionary<string, Queue<EventWaiter>> _waiters = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, Queue<string?>> _buffered = new(StringComparer.OrdinalIgnoreCase);
    private readonly OrchestrationSynchronizationContext _sync = new();
    private readonly ILoggerFactory _loggerFactory;
    private readonly string _instanceId;
    private int _nextSequence;
    private int _guidCounter;
    private bool _isReplaying;
    private DateTime _currentUtc;
    private string? _input;
    private TaskName _name;
    private ParentOrchestrationInstance? _parent;

    public LocalOrchestrationContext(string instanceId, ILoggerFactory loggerFactory)
    {
        _instanceId = instanceId;
        _loggerFactory = loggerFactory;
    }

    public override TaskName Name => _name;

    public override string InstanceId => _instanceId;

    public override ParentOrchestrationInstance? Parent => _parent;

    public override DateTime CurrentUtcDateTime => _currentUtc;

    public override bool IsReplaying => _isReplaying;

    protected override ILoggerFactory LoggerFactory => _loggerFactory;

    /// <summary>The orchestrator's custom status object, serialized at checkpoint time.</summary>
    public object? CustomStatus { get; private set; }

    /// <summary>Whether <see cref="CustomStatus"/> changed since the last checkpoint.</summary>
    public bool CustomStatusChanged { get; set; }

    /// <summary>Set when orchestrator code called <see cref="ContinueAsNew"/>.</summary>
    public (string? Input, bool PreserveEvents)? ContinueAsNewRequest { get; private set; }

    /// <summary>Set when replay found code that does not match history.</summary>
    public string? NondeterminismError { get; private set; }

    /// <summary>How many actions wait for an outcome.</summary>
    public int OpenTaskCount => _open.Count;

    /// <summary>Instance ids of running sub-orchestrations.</summary>
    public IEnumerable<string> OpenChildInstanceIds => _open.Values.Select(o => o.ChildInstanceId).OfType<string>();

    public override T? GetInput<T>()
        where T : default => DataConverter.Deserialize<T>(_input);

    public override Task<TResult> CallActivityAsync<TResult>(TaskName name, object? input = null, TaskOptions? options = null)
    {
        var serialized = DataConverter.Serialize(input);
        return options?.Retry is { } retry
            ? WithRetry(() => ScheduleActivity<TResult>(name.Name, serialized), retry)
            : ScheduleActivity<TResult>(name.Name, serialized);
    }

    public override Task<TResult> CallSubOrchestratorAsync<TResult>(TaskName orchestratorName, object? input = null, TaskOptions? options = null)
    {
        var serialized = DataConverter.Serialize(input);
        var instanceId = (options as SubOrchestrationOptions)?.InstanceId;
        return options?.Retry is { } retry
            ? WithRetry(() => ScheduleSubOrchestration<TResult>(orchestratorName.Name, serialized, instanceId), retry)
            : ScheduleSubOrchestration<TResult>(orchestratorName.Name, serialized, instanceId);
    }

    public override Task CreateTimer(DateTime fireAt, CancellationToken cancellationToken)
    {
        var id = NextSequence();
        var fireAtUtc = fireAt.Kind == DateTimeKind.Local ? fireAt.ToUniversalTime() : DateTime.SpecifyKind(fireAt, DateTimeKind.Utc);
        AddAction(new PendingAction { Kind = ActionKind.CreateTimer, TaskId = id, Name = "timer", FireAt = fireAtUtc });
        var open = new TimerOpenTask();
        _open[id] = open;
        if (cancellationToken.CanBeCanceled)
        {
            cancellationToken.Register(static state => ((TimerOpenTask)state!).Source.TrySetCanceled(), open);
        }

        return open.Source.Task;
    }

    public override Task<T> WaitForExternalEvent<T>(string eventName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(eventName);
        if (_buffered.TryGetValue(eventName, out var buffered) && buffered.Count > 0)
        {
            var data = buffered.Dequeue();
            return Task.FromResult(DataConverter.Deserialize<T>(data)!);
        }

        var waiter = new EventWaiter<T>();
        if (!_waiters.TryGetValue(eventName, out var queue))
        {
            queue = new Queue<EventWaiter>();
            _waiters[eventName] = queue;
        }

        queue.Enqueue(waiter);
        if (cancellationToken.CanBeCanceled)
        {
            // A cancelled waiter stays in the queue but no longer accepts events; DeliverEvent skips it.
            cancellationToken.Register(static state => ((EventWaiter)state!).Cancel(), waiter);
        }

        return waiter.Source.Task;
    }

    public override void SendEvent(string instanceId, string eventName, object payload)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        ArgumentException.ThrowIfNullOrEmpty(eventName);
        AddAction(new PendingAction
        {
            Kind = ActionKind.SendEvent,
            TaskId = NextSequence(),
            Name = eventName,
            Data = DataConverter.Serialize(payload),
            TargetInstanceId = instanceId,
        });
    }

    public override void SetCustomStatus(object? customStatus)
    {
        CustomStatus = customStatus;
        CustomStatusChanged = true;
    }

    public override void ContinueAsNew(object? newInput = null, bool preserveUnprocessedEvents = true) =>
        ContinueAsNewRequest = (DataConverter.Serialize(newInput), preserveUnprocessedEvents);

    public override Guid NewGuid()
    {
        // Name-based UUID (version 8: SHA-256 of instance id, replayed time and a counter): the same on every replay.
        var name = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{_instanceId}_{_currentUtc:O}_{_guidCounter++}");
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes("9e952958-5e33-4daf-827f-2fa12937b875" + name), hash);
        Span<byte> bytes = hash[..16];
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }

    // ---- Driving the context (called by the episode runner) ----

    /// <summary>
    /// Runs orchestrator code (a start, or the continuations an applied event releases) with this
    /// orchestration's synchronization context installed, until no continuation is left. One context
    /// per orchestration: awaits capture it, so continuations always come back here.
    /// </summary>
    public void RunCode<TState>(Action<TState> action, TState state)
    {
        var previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(_sync);
        try
        {
            action(state);
            _sync.Drain();
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }
    }

    /// <summary>Sets the replay flag for the events that follow.</summary>
    public void SetReplaying(bool replaying) => _isReplaying = replaying;

    /// <summary>Records the execution's identity and input before the orchestrator starts.</summary>
    public void InitializeExecution(HistoryEvent started)
    {
        _name = new TaskName(started.Name ?? string.Empty);
        _input = started.Data;
        _parent = started.Parent is { } p ? new ParentOrchestrationInstance(p.Name, p.InstanceId) : null;
    }

    /// <summary>Moves the replay-safe clock to a new episode's start time.</summary>
    public void SetCurrentTime(DateTime utc) => _currentUtc = utc;

    /// <summary>Whether an outcome event for this task id would be accepted (false for duplicates).</summary>
    public bool IsOpen(int taskId) => _open.ContainsKey(taskId);

    /// <summary>Matches a "scheduled" event from history against the action the code made.</summary>
    public void MatchScheduled(HistoryEvent scheduled)
    {
        if (NondeterminismError is not null)
        {
            return;
        }

        if (!_unmatched.Remove(scheduled.TaskId, out var action))
        {
            NondeterminismError =
                $"Non-deterministic workflow detected: history records {scheduled.Type} '{scheduled.Name}' with sequence id {scheduled.TaskId}, " +
                "but the orchestrator code did not make that call when replayed. Was the orchestrator changed while this instance was running?";
            return;
        }

        var expected = PendingAction.ScheduledEventType(action.Kind);
        var nameMatches = action.Kind == ActionKind.CreateTimer || string.Equals(action.Name, scheduled.Name, StringComparison.OrdinalIgnoreCase);
        if (expected != scheduled.Type || !nameMatches)
        {
            NondeterminismError =
                $"Non-deterministic workflow detected: history records {scheduled.Type} '{scheduled.Name}' with sequence id {scheduled.TaskId}, " +
                $"but the replayed orchestrator code made {expected} '{action.Name}' at that point. Was the orchestrator changed while this instance was running?";
            return;
        }

        action.Matched = true;
    }

    /// <summary>Applies an outcome event (completion, failure, timer fired) to the task awaiting it.</summary>
    public bool ApplyOutcome(HistoryEvent outcome)
    {
        if (!_open.Remove(outcome.TaskId, out var open))
        {
            return false;
        }

        open.Complete(outcome);
        return true;
    }

    /// <summary>Delivers an external event to the oldest live waiter, or buffers it.</summary>
    public void DeliverEvent(string name, string? data)
    {
        if (_waiters.TryGetValue(name, out var queue))
        {
            while (queue.Count > 0)
            {
                if (queue.Dequeue().TryDeliver(data))
                {
                    return;
                }
            }
        }

        if (!_buffered.TryGetValue(name, out var buffer))
        {
            buffer = new Queue<string?>();
            _buffered[name] = buffer;
        }

        buffer.Enqueue(data);
    }

    /// <summary>Events that arrived but were never waited for (carried over by continue-as-new).</summary>
    public IEnumerable<(string Name, string? Data)> UnprocessedEvents() =>
        _buffered.SelectMany(kv => kv.Value.Select(data => (kv.Key, data)));

    /// <summary>
    /// Takes the actions the code made that history does not hold yet, in sequence order. The list is
    /// reused by the next call: consume it before making more actions.
    /// </summary>
    public List<PendingAction> TakeNewActions()
    {
        var result = _taken;
        result.Clear();
        foreach (var action in _actions)
        {
            if (!action.Matched)
            {
                action.Matched = true;
                result.Add(action);
            }
        }

        _actions.Clear();
        _unmatched.Clear();
        return result;
    }

    private int NextSequence() => _nextSequence++;

    private void AddAction(PendingAction action)
    {
        _actions.Add(action);
        _unmatched[action.TaskId] = action;
    }

    private Task<T> ScheduleActivity<T>(string name, string? input)
    {
        var id = NextSequence();
        AddAction(new PendingAction { Kind = ActionKind.ScheduleTask, TaskId = id, Name = name, Data = input });
        var open = new ResultOpenTask<T>(name, id, null);
        _open[id] = open;
        return open.Source.Task;
    }

    private Task<T> ScheduleSubOrchestration<T>(string name, string? input, string? instanceId)
    {
        var id = NextSequence();
        instanceId ??= string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{_instanceId}:{id:X4}");
        AddAction(new PendingAction
        {
            Kind = ActionKind.CreateSubOrchestration,
            TaskId = id,
            Name = name,
            Data = input,
            TargetInstanceId = instanceId,
        });
        var open = new ResultOpenTask<T>(name, id, instanceId);
        _open[id] = open;
        return open.Source.Task;
    }

    private async Task<T> WithRetry<T>(Func<Task<T>> attempt, TaskRetryOptions retry)
    {
        var firstAttemptAt = CurrentUtcDateTime;
        for (var attemptNumber = 1; ; attemptNumber++)
        {
            try
            {
                return await attempt();
            }
            catch (TaskFailedException failure)
            {
                if (!await ShouldRetry(retry, failure, attemptNumber, firstAttemptAt))
                {
                    throw;
                }
            }
        }
    }

    private async Task<bool> ShouldRetry(TaskRetryOptions retry, TaskFailedException failure, int attemptNumber, DateTime firstAttemptAt)
    {
        if (retry.Policy is { } policy)
        {
            if (attemptNumber >= policy.MaxNumberOfAttempts
                || !policy.Handle(failure)
                || !policy.HandleFailure(failure.FailureDetails))
            {
                return false;
            }

            var delay = policy.GetNextDelay(attemptNumber);
            if (policy.RetryTimeout != Timeout.InfiniteTimeSpan && CurrentUtcDateTime + delay > firstAttemptAt + policy.RetryTimeout)
            {
                return false;
            }

            await CreateTimer(CurrentUtcDateTime + delay, CancellationToken.None);
            return true;
        }

        var context = new RetryContext(this, attemptNumber, failure.FailureDetails, CurrentUtcDateTime - firstAttemptAt, CancellationToken.None);
        return await retry.Handler!(context);
    }

    private sealed class ResultOpenTask<T>(string name, int taskId, string? childInstanceId) : OpenTask
    {
        public TaskCompletionSource<T> Source { get; } = new();

        public override string? ChildInstanceId => childInstanceId;

        public override void Complete(HistoryEvent outcome)
        {
            if (outcome.Type is HistoryEventType.TaskFailed or HistoryEventType.SubOrchestrationFailed or HistoryEventType.EntityOperationFailed)
            {
                Source.TrySetException(new TaskFailedException(name, taskId, outcome.Failure
                    ?? new TaskFailureDetails("Unknown", "The task failed without details.", null, null)));
                return;
            }

            T? value;
            try
            {
                value = DataConverter.Deserialize<T>(outcome.Data);
            }
            catch (Exception ex)
            {
                Source.TrySetException(ex);
                return;
            }

            Source.TrySetResult(value!);
        }
    }

    private sealed class TimerOpenTask : OpenTask
    {
        public TaskCompletionSource Source { get; } = new();

        public override void Complete(HistoryEvent outcome) => Source.TrySetResult();
    }

    private abstract class EventWaiter
    {
        public abstract bool TryDeliver(string? data);

        public abstract void Cancel();
    }

    private sealed class EventWaiter<T> : EventWaiter
    {
        public TaskCompletionSource<T> Source { get; } = new();

        public override bool TryDeliver(string? data)
        {
            if (Source.Task.IsCompleted)
            {
                return false;
            }

            try
            {
                return Source.TrySetResult(DataConverter.Deserialize<T>(data)!);
            }
            catch (Exception ex)
            {
                return Source.TrySetException(ex);
            }
        }

        public override void Cancel() => Source.TrySetCanceled();
    }
}
