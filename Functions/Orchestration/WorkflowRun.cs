using System.Text.Json;
using ServerlessTasks.Domain.Clock;
using ServerlessTasks.Domain.Dag;
using ServerlessTasks.Domain.Model;
using ServerlessTasks.Domain.Scheduling;
using ServerlessTasks.Functions.Callbacks;
using ServerlessTasks.Functions.Contracts;
using ServerlessTasks.TaskIndex;

namespace ServerlessTasks.Functions.Orchestration;

/// <summary>
/// The bookkeeping of one workflow run inside its orchestrator: the DAG scheduler (what may start next),
/// and per task its attempts, result, error, times and event sequence numbers; plus which tasks changed
/// since the task index was last told. Pure and deterministic: all times come from the orchestration.
/// </summary>
public sealed class WorkflowRun
{
    private readonly Dictionary<string, TaskRecord> _records;
    private readonly HashSet<string> _changed = new(StringComparer.Ordinal);
    private readonly DateTimeOffset _createdAt;
    private readonly List<CompensationReport> _compensations = [];
    private readonly List<TaskEvent> _events = [];
    private readonly bool _taskCallbacks;
    private long _sequence;
    private long _version;

    /// <summary>Starts a run at <paramref name="now"/>. Tasks reach the index when they first change; until then readers show them pending from the spec.</summary>
    public WorkflowRun(string workflowId, WorkflowSpec spec, DateTimeOffset now)
        : this(workflowId, spec, now, null)
    {
    }

    /// <summary>
    /// Starts a run at <paramref name="now"/>; with <paramref name="rerun"/>, a rerun of some of an earlier run's tasks
    /// (<paramref name="spec"/> holds only those): attempts numbered on, index updates of their next run, the
    /// workflow's creation time kept, stamps after the earlier run's, no second <c>submitted</c> event.
    /// </summary>
    public WorkflowRun(string workflowId, WorkflowSpec spec, DateTimeOffset now, RerunSeed? rerun)
    {
        ArgumentNullException.ThrowIfNull(spec);
        WorkflowId = workflowId;
        Spec = spec;
        Rerun = rerun;
        _createdAt = rerun?.CreatedAt ?? now;
        IPriorityPolicy policy = spec.SchedulingPolicy == SchedulingPolicy.Deadline ? new EarliestDeadlineFirstPolicy() : new StrictPriorityWithAgingPolicy();
        Scheduler = DagScheduler.Create(spec, TaskGraph.Create(spec), policy, now);
        _records = spec.Tasks.ToDictionary(t => t.TaskId!, t => new TaskRecord(t), StringComparer.Ordinal);
        Clock = new OrchestrationClock(workflowId);
        _taskCallbacks = TaskEventCallbacks.AnySubscription(spec);
        if (rerun is null)
        {
            RecordEvent(null, TaskEventKind.Submitted, now);
        }
        else
        {
            Clock.Receive(rerun.After, now);
        }

        CollectTransitions();
    }

    /// <summary>What the earlier runs left, when this run reruns some of their tasks; null for a first run.</summary>
    public RerunSeed? Rerun { get; }

    /// <summary>The number of a task's first attempt in this run: 1, or on from the earlier runs' attempts in a rerun.</summary>
    public int FirstAttemptOf(string taskId) => (Rerun?.Attempts.GetValueOrDefault(taskId) ?? 0) + 1;

    /// <summary>The run's hybrid logical clock (replay-safe); every event of the run is stamped by it.</summary>
    public OrchestrationClock Clock { get; }

    /// <summary>The workflow id.</summary>
    public string WorkflowId { get; }

    /// <summary>The submitted spec.</summary>
    public WorkflowSpec Spec { get; }

    /// <summary>The ready-set scheduler.</summary>
    public DagScheduler Scheduler { get; }

    /// <summary>Whether every task reached a terminal state (or the run was cancelled).</summary>
    public bool IsFinished => Scheduler.IsFinished || Scheduler.IsCancelled;

    /// <summary>Why the run was cancelled; null when it was not.</summary>
    public string? CancelReason { get; private set; }

    /// <summary>Whether some task changed since the last <see cref="TakeIndexUpdates"/>.</summary>
    public bool HasIndexUpdates => _changed.Count > 0 || _events.Count > 0 || Scheduler.PendingTransitionCount > 0;

    /// <summary>Tasks that may start now, in dispatch order; each is marked running.</summary>
    public IReadOnlyList<TaskSpec> DispatchReady(DateTimeOffset now)
    {
        CollectTransitions();
        var dispatches = Scheduler.DispatchAvailable(now);
        var result = new List<TaskSpec>(dispatches.Count);
        foreach (var dispatch in dispatches)
        {
            var record = _records[dispatch.TaskId];
            record.StartedAt = now;
            record.StartSequence = ++_sequence;
            record.Attempts = FirstAttemptOf(dispatch.TaskId);
            RecordEvent(dispatch.TaskId, TaskEventKind.Dispatched, now, attempt: record.Attempts);
            result.Add(record.Spec);
        }

        CollectTransitions();
        return result;
    }

    /// <summary>Records a completed task.</summary>
    /// <param name="taskId">The task.</param>
    /// <param name="result">Its result.</param>
    /// <param name="attempts">Attempts made.</param>
    /// <param name="now">The orchestration's time.</param>
    /// <param name="events">The attempts' events (started, retried), journaled before the completion.</param>
    /// <param name="finished">The worker's last stamp: the completion is stamped after it.</param>
    public void Complete(string taskId, JsonElement? result, int attempts, DateTimeOffset now, IReadOnlyList<TaskEvent>? events = null, HlcTimestamp? finished = null)
    {
        if (Scheduler.IsCancelled)
        {
            return; // finished after the cancel: the task is already recorded as cancelled
        }

        var record = _records[taskId];
        record.Result = result;
        record.Attempts = attempts;
        AddAttemptEvents(events);
        RecordEvent(taskId, TaskEventKind.Completed, now, attempts, after: finished);
        Finish(record, now);
        Scheduler.Complete(taskId, now);
        CollectTransitions();
    }

    /// <summary>Records a failed task; its transitive dependents are skipped.</summary>
    /// <param name="taskId">The task.</param>
    /// <param name="error">Why it failed.</param>
    /// <param name="attempts">Attempts made.</param>
    /// <param name="now">The orchestration's time.</param>
    /// <param name="events">The attempts' events (started, retried), journaled before the failure.</param>
    /// <param name="finished">The last stamp of the run: the failure is stamped after it.</param>
    public void Fail(string taskId, string error, int attempts, DateTimeOffset now, IReadOnlyList<TaskEvent>? events = null, HlcTimestamp? finished = null)
    {
        if (Scheduler.IsCancelled)
        {
            return;
        }

        var record = _records[taskId];
        record.Error = error;
        record.Attempts = attempts;
        AddAttemptEvents(events);
        RecordEvent(taskId, TaskEventKind.Failed, now, attempts, error, finished);
        Finish(record, now);
        Scheduler.Fail(taskId, now, error);
        CollectTransitions();
    }

    /// <summary>
    /// Records a chain segment that ran in its own orchestration (<see cref="TaskChainOrchestrator"/>): the first
    /// task was dispatched here, each later one started there when the one before it completed. Their events
    /// were stamped there, in order, so they are journaled as they are; only what follows (skips after a
    /// failure, dependents released by the last link) is stamped here, after them.
    /// </summary>
    /// <param name="tasks">The segment's tasks in chain order.</param>
    /// <param name="steps">What ran, in chain order: a prefix of <paramref name="tasks"/>.</param>
    /// <param name="now">The orchestration's time.</param>
    public void ApplyChain(IReadOnlyList<TaskSpec> tasks, IReadOnlyList<ChainStep> steps, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        ArgumentNullException.ThrowIfNull(steps);
        if (Scheduler.IsCancelled)
        {
            return; // finished after the cancel: its tasks are already recorded as cancelled
        }

        for (var i = 0; i < steps.Count; i++)
        {
            var step = steps[i];
            var taskId = tasks[i].TaskId!;
            var record = _records[taskId];
            if (i > 0)
            {
                Scheduler.StartReady(taskId, now);
                record.StartedAt = step.DispatchedAt;
                record.StartSequence = ++_sequence;
                record.Attempts = 1;
            }

            AddAttemptEvents(step.Events);
            if (step.Outcome is not { } outcome)
            {
                break; // running when the workflow was cancelled: the cancel that follows records it
            }

            record.Attempts = outcome.Attempts;
            record.CompletedAt = step.FinishedAt;
            record.FinishSequence = ++_sequence;
            Clock.Receive(outcome.Finished, now);
            if (outcome.Succeeded)
            {
                record.Result = outcome.Result;
                Scheduler.Complete(taskId, now);
            }
            else
            {
                record.Error = outcome.Error ?? "failed";
                Scheduler.Fail(taskId, now, record.Error);
            }

            // The next link's ready event was stamped in the segment; anything else released or skipped is stamped here.
            CollectTransitions(i + 1 < steps.Count ? tasks[i + 1].TaskId : null);
        }
    }

    /// <summary>
    /// The chain that starts at <paramref name="first"/> (just dispatched) and may run as one segment: each next
    /// link is the only dependent of the one before and depends on nothing else, is pending, and runs as an
    /// activity; at most <paramref name="maxLength"/> links. Empty when the run's settings rule segments out: a
    /// parallelism cap (a link would hold its slot between links) or any deadline (checked at each dispatch here).
    /// </summary>
    public IReadOnlyList<TaskSpec> ChainFrom(TaskSpec first, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(first);
        if (Spec.MaxParallelism is not null || Spec.Deadline is not null || first.Deadline is not null)
        {
            return [];
        }

        var graph = Scheduler.Graph;
        var chain = new List<TaskSpec> { first };
        var current = graph.GetIndex(first.TaskId!);
        while (chain.Count < maxLength)
        {
            var dependents = graph.GetDependents(current);
            if (dependents.Length != 1)
            {
                break;
            }

            var next = dependents[0];
            var spec = graph.GetTask(next);
            if (graph.GetDependencies(next).Length != 1 || spec.Deadline is not null || TaskRunner.RunsInOrchestrator(spec.TaskType)
                || Scheduler.GetState(spec.TaskId!) != TaskRunState.Pending)
            {
                break;
            }

            chain.Add(spec);
            current = next;
        }

        return chain;
    }

    /// <summary>Cancels the run: nothing more is dispatched; unfinished tasks become cancelled.</summary>
    public void Cancel(string reason, DateTimeOffset now)
    {
        if (Scheduler.IsCancelled || Scheduler.IsFinished)
        {
            return;
        }

        foreach (var running in Scheduler.Cancel(now, reason))
        {
            Scheduler.MarkCancelled(running, now, reason);
            Finish(_records[running], now);
        }

        CancelReason = reason;
        CollectTransitions();
    }

    /// <summary>The counts by status, without walking the tasks.</summary>
    public WorkflowCounts Counts() => new(
        Spec.Tasks.Count,
        Scheduler.CountIn(TaskRunState.Pending) + Scheduler.CountIn(TaskRunState.Ready),
        Scheduler.CountIn(TaskRunState.Running),
        Scheduler.CountIn(TaskRunState.Completed),
        Scheduler.CountIn(TaskRunState.Failed),
        Scheduler.CountIn(TaskRunState.Skipped),
        Scheduler.CountIn(TaskRunState.Cancelled));

    /// <summary>The small status shown while the run goes on: in a rerun, the whole workflow's counts (the earlier run's kept tasks included).</summary>
    private WorkflowCounts WorkflowCounts() => Rerun?.Kept is { } kept ? Plus(Counts(), kept) : Counts();

    private static WorkflowCounts Plus(WorkflowCounts a, WorkflowCounts b) =>
        new(a.Total + b.Total, a.Pending + b.Pending, a.Running + b.Running, a.Completed + b.Completed, a.Failed + b.Failed, a.Skipped + b.Skipped, a.Cancelled + b.Cancelled);

    /// <summary>The small status shown while the run goes on (counts, not tasks: those are in the index).</summary>
    public WorkflowProgress Progress() => new(WorkflowId, WorkflowCounts(), CancelReason is not null);

    /// <summary>Index entries for every task that changed since the last call, with increasing versions.</summary>
    public IReadOnlyList<TaskIndexEntry> TakeIndexUpdates()
    {
        CollectTransitions();
        var version = ++_version;
        var updates = new List<TaskIndexEntry>(_changed.Count);
        foreach (var taskId in _changed)
        {
            {
                var report = ReportOf(_records[taskId].Spec);
                updates.Add(new TaskIndexEntry
                {
                    WorkflowId = WorkflowId,
                    TaskId = report.TaskId,
                    TaskType = report.TaskType,
                    Status = report.Status,
                    Priority = report.Priority,
                    Attempts = report.Attempts,
                    Result = report.Result?.GetRawText(),
                    Error = report.Error,
                    CreatedAt = _createdAt,
                    StartedAt = report.StartedAt,
                    CompletedAt = report.CompletedAt,
                    StartSequence = report.StartSequence,
                    FinishSequence = report.FinishSequence,
                    Hlc = _records[taskId].LastHlc?.ToString(),
                    Version = version,
                    Redrives = Rerun?.Redrives.GetValueOrDefault(taskId) ?? 0,
                });
            }
        }

        _changed.Clear();
        return updates;
    }

    /// <summary>The events recorded since the last call, in stamp order (they go to the journal with the index updates).</summary>
    public IReadOnlyList<TaskEvent> TakeEvents()
    {
        CollectTransitions();
        var events = _events.ToArray();
        _events.Clear();
        return events;
    }

    /// <summary>
    /// Records an event of the run (also for callers outside the DAG loop, e.g. a delivered callback), stamped by
    /// the run's clock after <paramref name="after"/> (a stamp received with it, if any). Goes out with the next batch.
    /// </summary>
    /// <param name="taskId">The task; null for the whole workflow.</param>
    /// <param name="kind">What happened.</param>
    /// <param name="now">The orchestration's time.</param>
    /// <param name="attempt">The attempt (or delivery) number; with the kind it identifies the event.</param>
    /// <param name="detail">Details.</param>
    /// <param name="after">A remote stamp the event follows.</param>
    public TaskEvent RecordEvent(string? taskId, TaskEventKind kind, DateTimeOffset now, int attempt = 0, string? detail = null, HlcTimestamp? after = null)
    {
        var e = Clock.Stamp(WorkflowId, taskId, kind, now, attempt, detail, after);
        Add(e);
        return e;
    }

    /// <summary>The task-event callbacks that <paramref name="events"/> (just taken) call for; empty when nothing subscribed.</summary>
    public IReadOnlyList<CallbackNotice> CallbacksFor(IReadOnlyList<TaskEvent> events) =>
        _taskCallbacks ? TaskEventCallbacks.For(WorkflowId, events, Spec.Callback, CallbackStateOf) : [];

    /// <summary>Records how a completed task's compensation went.</summary>
    public void RecordCompensation(string taskId, TaskOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        _compensations.Add(new CompensationReport(taskId, outcome.Succeeded ? WorkflowTaskStatus.Completed : WorkflowTaskStatus.Failed, outcome.Result, outcome.Error, outcome.Attempts));
    }

    /// <summary>The full report: every task.</summary>
    public WorkflowReport Report() => new()
    {
        WorkflowId = WorkflowId,
        Counts = Counts(),
        Tasks = [.. Spec.Tasks.Select(ReportOf)],
        Cancelled = CancelReason is not null,
        Compensations = [.. _compensations],
    };

    private TaskReport ReportOf(TaskSpec spec)
    {
        var record = _records[spec.TaskId!];
        var snapshot = Scheduler.GetSnapshot(spec.TaskId!);
        return new TaskReport
        {
            TaskId = spec.TaskId!,
            TaskType = spec.TaskType,
            Status = snapshot.State.ToStatus(),
            Priority = spec.Priority,
            Result = record.Result,
            Error = record.Error ?? DescribeReason(snapshot),
            Attempts = record.Attempts,
            StartedAt = record.StartedAt,
            CompletedAt = record.CompletedAt,
            StartSequence = record.StartSequence,
            FinishSequence = record.FinishSequence,
        };
    }

    private TaskCallbackState CallbackStateOf(string taskId) =>
        _records.TryGetValue(taskId, out var record) ? new(record.Spec.Callback, record.Result) : default;

    private static string? DescribeReason(TaskStateSnapshot snapshot) => snapshot.CauseTaskId is { } cause
        ? $"{snapshot.Reason}: dependency '{cause}' failed"
        : snapshot.Reason;

    private void AddAttemptEvents(IReadOnlyList<TaskEvent>? events)
    {
        foreach (var e in events ?? [])
        {
            Add(e);
        }
    }

    private void Add(TaskEvent e)
    {
        _events.Add(e);
        if (e.TaskId is not null && _records.TryGetValue(e.TaskId, out var record) && (record.LastHlc is not { } last || e.Hlc > last))
        {
            record.LastHlc = e.Hlc;
            _changed.Add(e.TaskId);
        }
    }

    /// <summary>Turns the scheduler's state changes into index updates and events (ready, skipped, cancelled, failed before dispatch), stamped as they are seen.</summary>
    /// <param name="stampedElsewhere">A task whose ready event was already stamped (the next link of a chain segment).</param>
    private void CollectTransitions(string? stampedElsewhere = null)
    {
        if (Scheduler.PendingTransitionCount == 0)
        {
            return;
        }

        foreach (var transition in Scheduler.DrainTransitions())
        {
            _changed.Add(transition.TaskId);
            if (transition.To == TaskRunState.Ready && transition.TaskId == stampedElsewhere)
            {
                continue;
            }

            var kind = transition.To switch
            {
                TaskRunState.Ready => TaskEventKind.Ready,
                TaskRunState.Skipped => TaskEventKind.Skipped,
                TaskRunState.Cancelled => TaskEventKind.Cancelled,
                // Failed by the scheduler itself (a deadline passed before dispatch); Fail() records its own event.
                TaskRunState.Failed when _records[transition.TaskId].CompletedAt is null => TaskEventKind.Failed,
                _ => (TaskEventKind?)null,
            };
            if (kind == TaskEventKind.Failed)
            {
                Finish(_records[transition.TaskId], transition.At);
            }

            if (kind is { } k)
            {
                var detail = transition.CauseTaskId is { } cause ? $"{transition.Reason}: dependency '{cause}' failed" : transition.Reason;
                RecordEvent(transition.TaskId, k, transition.At, detail: detail);
            }
        }
    }

    private void Finish(TaskRecord record, DateTimeOffset now)
    {
        record.CompletedAt = now;
        record.FinishSequence = ++_sequence;
    }

    private sealed class TaskRecord(TaskSpec spec)
    {
        public TaskSpec Spec { get; } = spec;

        public int Attempts { get; set; }

        public JsonElement? Result { get; set; }

        public string? Error { get; set; }

        public DateTimeOffset? StartedAt { get; set; }

        public DateTimeOffset? CompletedAt { get; set; }

        public long StartSequence { get; set; }

        public long FinishSequence { get; set; }

        public HlcTimestamp? LastHlc { get; set; }
    }
}
