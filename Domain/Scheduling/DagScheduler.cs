using ServerlessTasks.Domain.Dag;
using ServerlessTasks.Domain.Model;

namespace ServerlessTasks.Domain.Scheduling;

/// <summary>
/// The per-workflow ready-set state machine: tracks every task's <see cref="TaskRunState"/>, releases tasks
/// whose dependencies completed, picks the next one by the <see cref="IPriorityPolicy"/> under a
/// max-parallelism window, and on failure skips the transitive dependents naming the failed ancestor.
/// </summary>
/// <remarks>
/// Pure and deterministic: no I/O, no clock reads (every call takes <c>now</c>), no randomness, so an
/// orchestrator can rebuild it by replay. Times passed in that go backwards are treated as the latest time
/// seen. Illegal transitions throw <see cref="InvalidOperationException"/>. Not thread-safe.
/// Choosing the next task costs O(lanes + log n); everything else is linear in the tasks touched.
/// </remarks>
public sealed class DagScheduler
{
    private readonly TaskGraph graph;
    private readonly IPriorityPolicy policy;
    private readonly SchedulerOptions options;
    private readonly TaskRunState[] states;
    private readonly int[] unfinishedDependencies;
    private readonly DateTimeOffset[] readySince;
    private readonly long[] readySequence;
    private readonly long[] readyAtDispatch;
    private readonly string?[] reasons;
    private readonly string?[] causes;
    private readonly TimeSpan[] estimates;
    private readonly TimeSpan[] remainingCriticalPath;
    private readonly DateTimeOffset?[] effectiveDeadlines;
    private readonly SortedDictionary<int, PriorityQueue<int, LaneEntry>> lanes = [];
    private readonly List<TaskTransition> transitions = [];
    private readonly int[] stateCounts = new int[Enum.GetValues<TaskRunState>().Length];
    private long nextReadySequence;
    private long dispatchCount;
    private DateTimeOffset lastNow;

    /// <summary>Creates the scheduler; tasks without dependencies become ready at <paramref name="now"/>.</summary>
    /// <param name="graph">The validated DAG.</param>
    /// <param name="policy">How ready tasks are ordered.</param>
    /// <param name="now">The start instant.</param>
    /// <param name="options">Window, deadline and estimates; defaults when null.</param>
    public DagScheduler(TaskGraph graph, IPriorityPolicy policy, DateTimeOffset now, SchedulerOptions? options = null)
    {
        this.graph = graph;
        this.policy = policy;
        this.options = options ?? new SchedulerOptions();
        var n = graph.Count;
        states = new TaskRunState[n];
        unfinishedDependencies = new int[n];
        readySince = new DateTimeOffset[n];
        readySequence = new long[n];
        readyAtDispatch = new long[n];
        reasons = new string?[n];
        causes = new string?[n];
        estimates = new TimeSpan[n];
        var estimate = this.options.DurationEstimate;
        for (var i = 0; i < n; i++)
        {
            estimates[i] = estimate?.Invoke(graph.GetTask(i)) ?? CriticalPath.DefaultEstimate;
        }

        remainingCriticalPath = CriticalPath.ComputeRemainingDurations(graph, t => estimates[graph.GetIndex(t.TaskId!)]);
        effectiveDeadlines = DeadlinePlanner.ComputeEffectiveDeadlines(graph, this.options.WorkflowDeadline, t => estimates[graph.GetIndex(t.TaskId!)]);
        stateCounts[(int)TaskRunState.Pending] = n;
        lastNow = now;
        for (var i = 0; i < n; i++)
        {
            unfinishedDependencies[i] = graph.GetDependencies(i).Length;
            if (unfinishedDependencies[i] == 0)
            {
                MakeReady(i, now);
            }
        }
    }

    /// <summary>Creates a scheduler for a workflow, taking the window and deadline from its spec.</summary>
    /// <param name="workflow">The workflow spec.</param>
    /// <param name="graph">Its validated graph.</param>
    /// <param name="policy">How ready tasks are ordered.</param>
    /// <param name="now">The start instant.</param>
    /// <param name="durationEstimate">Estimated task durations; one second each when null.</param>
    /// <returns>The scheduler.</returns>
    public static DagScheduler Create(
        WorkflowSpec workflow,
        TaskGraph graph,
        IPriorityPolicy policy,
        DateTimeOffset now,
        Func<TaskSpec, TimeSpan>? durationEstimate = null) =>
        new(graph, policy, now, new SchedulerOptions
        {
            MaxParallelism = workflow.MaxParallelism,
            WorkflowDeadline = workflow.Deadline,
            DurationEstimate = durationEstimate,
        });

    /// <summary>The graph being scheduled.</summary>
    public TaskGraph Graph => graph;

    /// <summary>The ordering policy.</summary>
    public IPriorityPolicy Policy => policy;

    /// <summary>Tasks currently running.</summary>
    public int RunningCount => stateCounts[(int)TaskRunState.Running];

    /// <summary>Tasks currently ready.</summary>
    public int ReadyCount => stateCounts[(int)TaskRunState.Ready];

    /// <summary>Dispatches made so far.</summary>
    public long DispatchCount => dispatchCount;

    /// <summary>True once the workflow was cancelled; nothing is dispatched afterwards.</summary>
    public bool IsCancelled { get; private set; }

    /// <summary>True when every task is in a terminal state.</summary>
    public bool IsFinished =>
        stateCounts[(int)TaskRunState.Pending] + stateCounts[(int)TaskRunState.Ready] + stateCounts[(int)TaskRunState.Running] == 0;

    /// <summary>True when any task failed (the workflow as a whole failed; run compensations).</summary>
    public bool HasFailures => stateCounts[(int)TaskRunState.Failed] > 0;

    /// <summary>True when the window has room for another running task.</summary>
    public bool HasCapacity => options.MaxParallelism is not { } max || RunningCount < max;

    /// <summary>How many tasks are in <paramref name="state"/>.</summary>
    /// <param name="state">The state.</param>
    public int CountIn(TaskRunState state) => stateCounts[(int)state];

    /// <summary>The state of a task.</summary>
    /// <param name="taskId">The task.</param>
    public TaskRunState GetState(string taskId) => states[graph.GetIndex(taskId)];

    /// <summary>The state, reason and cause of a task.</summary>
    /// <param name="taskId">The task.</param>
    public TaskStateSnapshot GetSnapshot(string taskId) => Snapshot(graph.GetIndex(taskId));

    /// <summary>Every task's state in graph order.</summary>
    public IReadOnlyList<TaskStateSnapshot> GetSnapshots()
    {
        var result = new TaskStateSnapshot[graph.Count];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = Snapshot(i);
        }

        return result;
    }

    /// <summary>The remaining critical path of a task, from the configured estimates.</summary>
    /// <param name="taskId">The task.</param>
    public TimeSpan GetRemainingCriticalPath(string taskId) => remainingCriticalPath[graph.GetIndex(taskId)];

    /// <summary>The effective deadline (latest finish) of a task, or null.</summary>
    /// <param name="taskId">The task.</param>
    public DateTimeOffset? GetEffectiveDeadline(string taskId) => effectiveDeadlines[graph.GetIndex(taskId)];

    /// <summary>The effective priority a ready task would have at <paramref name="now"/>; null if it is not ready.</summary>
    /// <param name="taskId">The task.</param>
    /// <param name="now">The instant.</param>
    public PriorityKey? GetEffectivePriority(string taskId, DateTimeOffset now)
    {
        var i = graph.GetIndex(taskId);
        return states[i] == TaskRunState.Ready ? policy.Evaluate(Context(i, Max(now, lastNow))) : null;
    }

    /// <summary>
    /// Picks the next task to start, if the window has room and a task is ready, and marks it running.
    /// Ready tasks whose deadline has passed are failed on the way (see <see cref="SchedulerOptions.FailOverdueTasks"/>).
    /// </summary>
    /// <param name="now">The decision instant.</param>
    /// <param name="dispatch">The decision when one was made.</param>
    /// <returns>True when a task was dispatched.</returns>
    public bool TryDispatchNext(DateTimeOffset now, out ScheduledDispatch dispatch)
    {
        now = Advance(now);
        dispatch = null!;
        while (!IsCancelled && HasCapacity)
        {
            var best = -1;
            PriorityKey bestKey = default;
            PriorityQueue<int, LaneEntry>? bestLane = null;
            foreach (var lane in lanes.Values)
            {
                while (lane.TryPeek(out var head, out _) && states[head] != TaskRunState.Ready)
                {
                    lane.Dequeue(); // Lazily drop entries of tasks that left Ready (failed or cancelled).
                }

                if (!lane.TryPeek(out var candidate, out _))
                {
                    continue;
                }

                var key = policy.Evaluate(Context(candidate, now));
                if (best < 0 || key > bestKey || (key == bestKey && readySequence[candidate] < readySequence[best]))
                {
                    best = candidate;
                    bestKey = key;
                    bestLane = lane;
                }
            }

            if (best < 0)
            {
                return false;
            }

            bestLane!.Dequeue();
            if (options.FailOverdueTasks && HardDeadline(best) is { } deadline && now >= deadline)
            {
                FailCore(best, now, FailureReasons.DeadlineExceeded);
                continue;
            }

            var waitedDispatches = dispatchCount - readyAtDispatch[best];
            dispatchCount++;
            SetState(best, TaskRunState.Running, now, null, null);
            dispatch = new ScheduledDispatch(graph.GetId(best), best, bestKey, dispatchCount, now - readySince[best], waitedDispatches);
            return true;
        }

        return false;
    }

    /// <summary>
    /// Marks one ready task running without choosing among the ready set: for a task another orchestration
    /// already started as the next link of a chain (its only dependency just completed there).
    /// </summary>
    /// <param name="taskId">The task.</param>
    /// <param name="now">When it started.</param>
    /// <exception cref="InvalidOperationException">The task is not ready.</exception>
    public void StartReady(string taskId, DateTimeOffset now)
    {
        now = Advance(now);
        var i = graph.GetIndex(taskId);
        Require(i, TaskRunState.Ready); // never after a cancel: it leaves no task ready
        dispatchCount++;
        SetState(i, TaskRunState.Running, now, null, null); // its lane entry is dropped lazily, as for any task that left Ready
    }

    /// <summary>Dispatches as many tasks as the window allows.</summary>
    /// <param name="now">The decision instant.</param>
    /// <returns>The dispatches, in order.</returns>
    public IReadOnlyList<ScheduledDispatch> DispatchAvailable(DateTimeOffset now)
    {
        var result = new List<ScheduledDispatch>();
        while (TryDispatchNext(now, out var dispatch))
        {
            result.Add(dispatch);
        }

        return result;
    }

    /// <summary>Records that a running task completed; returns the tasks that became ready.</summary>
    /// <param name="taskId">The task.</param>
    /// <param name="now">When it completed.</param>
    /// <returns>Ids of tasks whose last dependency this was.</returns>
    /// <exception cref="InvalidOperationException">The task is not running.</exception>
    public IReadOnlyList<string> Complete(string taskId, DateTimeOffset now)
    {
        now = Advance(now);
        var i = graph.GetIndex(taskId);
        Require(i, TaskRunState.Running);
        SetState(i, TaskRunState.Completed, now, null, null);
        var released = new List<string>();
        foreach (var dependent in graph.GetDependents(i))
        {
            if (--unfinishedDependencies[dependent] == 0 && states[dependent] == TaskRunState.Pending)
            {
                MakeReady(dependent, now);
                released.Add(graph.GetId(dependent));
            }
        }

        return released;
    }

    /// <summary>
    /// Records that a task failed for good (after its retries) and skips its transitive dependents, naming
    /// it as their cause. A pending or ready task may also be failed (e.g. a deadline decided elsewhere).
    /// </summary>
    /// <param name="taskId">The task.</param>
    /// <param name="now">When it failed.</param>
    /// <param name="reason">The error, kept as the task's reason.</param>
    /// <returns>Ids of the tasks skipped because of it.</returns>
    /// <exception cref="InvalidOperationException">The task is already terminal.</exception>
    public IReadOnlyList<string> Fail(string taskId, DateTimeOffset now, string? reason = null)
    {
        now = Advance(now);
        var i = graph.GetIndex(taskId);
        if (states[i].IsTerminal())
        {
            throw new InvalidOperationException($"Task '{taskId}' is already {states[i]}.");
        }

        return FailCore(i, now, reason);
    }

    /// <summary>
    /// Cancels the workflow: pending and ready tasks become cancelled and nothing more is dispatched.
    /// Running tasks stay running until reported with <see cref="Complete"/>, <see cref="Fail"/> or <see cref="MarkCancelled"/>.
    /// </summary>
    /// <param name="now">When the cancel was committed.</param>
    /// <param name="reason">Why; <see cref="FailureReasons.Cancelled"/> when null.</param>
    /// <returns>Ids of the tasks still running, which the caller should stop.</returns>
    public IReadOnlyList<string> Cancel(DateTimeOffset now, string? reason = null)
    {
        now = Advance(now);
        IsCancelled = true;
        var running = new List<string>();
        for (var i = 0; i < states.Length; i++)
        {
            switch (states[i])
            {
                case TaskRunState.Pending or TaskRunState.Ready:
                    SetState(i, TaskRunState.Cancelled, now, reason ?? FailureReasons.Cancelled, null);
                    break;
                case TaskRunState.Running:
                    running.Add(graph.GetId(i));
                    break;
            }
        }

        lanes.Clear();
        return running;
    }

    /// <summary>Records that a running task was stopped because of a cancel.</summary>
    /// <param name="taskId">The task.</param>
    /// <param name="now">When it stopped.</param>
    /// <param name="reason">Why; <see cref="FailureReasons.Cancelled"/> when null.</param>
    /// <exception cref="InvalidOperationException">The task is not running.</exception>
    public void MarkCancelled(string taskId, DateTimeOffset now, string? reason = null)
    {
        now = Advance(now);
        var i = graph.GetIndex(taskId);
        Require(i, TaskRunState.Running);
        SetState(i, TaskRunState.Cancelled, now, reason ?? FailureReasons.Cancelled, null);
    }

    /// <summary>
    /// Completed tasks that declare a compensation, in reverse dependency order (every task after all of
    /// its dependents), which is the order to undo them in when the workflow fails.
    /// </summary>
    public IReadOnlyList<string> GetCompensationOrder()
    {
        var result = new List<string>();
        var order = graph.TopologicalOrder;
        for (var k = order.Length - 1; k >= 0; k--)
        {
            var i = order[k];
            if (states[i] == TaskRunState.Completed && graph.GetTask(i).Compensate is not null)
            {
                result.Add(graph.GetId(i));
            }
        }

        return result;
    }

    /// <summary>How many transitions <see cref="DrainTransitions"/> would return now.</summary>
    public int PendingTransitionCount => transitions.Count;

    /// <summary>Returns and forgets the state changes recorded since the last call.</summary>
    public IReadOnlyList<TaskTransition> DrainTransitions()
    {
        var result = transitions.ToArray();
        transitions.Clear();
        return result;
    }

    private List<string> FailCore(int index, DateTimeOffset now, string? reason)
    {
        SetState(index, TaskRunState.Failed, now, reason, null);
        var failedId = graph.GetId(index);
        var skipped = new List<string>();
        var queue = new Queue<int>();
        queue.Enqueue(index);
        while (queue.TryDequeue(out var current))
        {
            foreach (var dependent in graph.GetDependents(current))
            {
                // Only pending tasks can be downstream of an unfinished task; skipped or cancelled ones
                // already had their own dependents handled.
                if (states[dependent] == TaskRunState.Pending)
                {
                    SetState(dependent, TaskRunState.Skipped, now, FailureReasons.DependencyFailed, failedId);
                    skipped.Add(graph.GetId(dependent));
                    queue.Enqueue(dependent);
                }
            }
        }

        return skipped;
    }

    private void MakeReady(int index, DateTimeOffset now)
    {
        readySince[index] = now;
        readySequence[index] = nextReadySequence++;
        readyAtDispatch[index] = dispatchCount;
        SetState(index, TaskRunState.Ready, now, null, null);
        var context = Context(index, now);
        var laneId = policy.GetLane(context);
        if (!lanes.TryGetValue(laneId, out var lane))
        {
            lane = new PriorityQueue<int, LaneEntry>(LaneEntryComparer.Instance);
            lanes.Add(laneId, lane);
        }

        lane.Enqueue(index, new LaneEntry(policy.GetLaneOrder(context), readySequence[index]));
    }

    private ReadyTaskContext Context(int index, DateTimeOffset now) => new(
        graph.GetTask(index),
        readySince[index],
        now,
        readySequence[index],
        dispatchCount - readyAtDispatch[index],
        estimates[index],
        remainingCriticalPath[index],
        effectiveDeadlines[index]);

    private DateTimeOffset? HardDeadline(int index)
    {
        var own = graph.GetTask(index).Deadline;
        var workflow = options.WorkflowDeadline;
        return own is null ? workflow : workflow is null ? own : Min(own.Value, workflow.Value);
    }

    private void SetState(int index, TaskRunState to, DateTimeOffset now, string? reason, string? cause)
    {
        var from = states[index];
        stateCounts[(int)from]--;
        stateCounts[(int)to]++;
        states[index] = to;
        reasons[index] = reason;
        causes[index] = cause;
        if (options.RecordTransitions)
        {
            transitions.Add(new TaskTransition(graph.GetId(index), from, to, now, reason, cause));
        }
    }

    private void Require(int index, TaskRunState expected)
    {
        if (states[index] != expected)
        {
            throw new InvalidOperationException($"Task '{graph.GetId(index)}' is {states[index]}, not {expected}.");
        }
    }

    private TaskStateSnapshot Snapshot(int i) => new(graph.GetId(i), states[i], reasons[i], causes[i]);

    private DateTimeOffset Advance(DateTimeOffset now)
    {
        lastNow = Max(now, lastNow);
        return lastNow;
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a >= b ? a : b;

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a <= b ? a : b;

    private readonly record struct LaneEntry(PriorityKey Order, long Sequence);

    /// <summary>Min-heap comparer putting the best entry first: higher key, then earlier ready.</summary>
    private sealed class LaneEntryComparer : IComparer<LaneEntry>
    {
        public static readonly LaneEntryComparer Instance = new();

        public int Compare(LaneEntry x, LaneEntry y)
        {
            var byKey = y.Order.CompareTo(x.Order);
            return byKey != 0 ? byKey : x.Sequence.CompareTo(y.Sequence);
        }
    }
}
