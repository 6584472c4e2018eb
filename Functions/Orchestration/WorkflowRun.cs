using System.Text.Json;
using ServerlessTasks.Domain.Model;
using ServerlessTasks.Domain.Dag;
using ServerlessTasks.Domain.Scheduling;
using ServerlessTasks.Functions.Contracts;

namespace ServerlessTasks.Functions.Orchestration;

/// <summary>
/// The bookkeeping of one workflow run inside its orchestrator: the DAG scheduler (what may start next),
/// and per task its attempts, result, error, times and event sequence numbers. Pure and deterministic:
/// all times come from the orchestration context.
/// </summary>
public sealed class WorkflowRun
{
    private readonly Dictionary<string, TaskRecord> _records;
    private long _sequence;

    /// <summary>Starts a run at <paramref name="now"/>.</summary>
    public WorkflowRun(string workflowId, WorkflowSpec spec, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(spec);
        WorkflowId = workflowId;
        Spec = spec;
        var graph = TaskGraph.Create(spec);
        Scheduler = DagScheduler.Create(spec, graph, new StrictPriorityWithAgingPolicy(), now);
        _records = spec.Tasks.ToDictionary(t => t.TaskId!, t => new TaskRecord(t), StringComparer.Ordinal);
    }

    /// <summary>The workflow id.</summary>
    public string WorkflowId { get; }

    /// <summary>The submitted spec.</summary>
    public WorkflowSpec Spec { get; }

    /// <summary>The ready-set scheduler.</summary>
    public DagScheduler Scheduler { get; }

    /// <summary>Whether every task reached a terminal state (or the run was cancelled).</summary>
    public bool IsFinished => Scheduler.IsFinished || Scheduler.IsCancelled;

    /// <summary>Tasks that may start now, in dispatch order; each is marked running.</summary>
    public IReadOnlyList<TaskSpec> DispatchReady(DateTimeOffset now)
    {
        var dispatches = Scheduler.DispatchAvailable(now);
        var result = new List<TaskSpec>(dispatches.Count);
        foreach (var dispatch in dispatches)
        {
            var record = _records[dispatch.TaskId];
            record.StartedAt = now;
            record.StartSequence = ++_sequence;
            record.Attempts++;
            result.Add(record.Spec);
        }

        return result;
    }

    /// <summary>Records a completed task.</summary>
    public void Complete(string taskId, JsonElement? result, int attempts, DateTimeOffset now)
    {
        var record = _records[taskId];
        if (Scheduler.IsCancelled)
        {
            return; // finished after the cancel: the task is already recorded as cancelled
        }

        record.Result = result;
        record.Attempts = attempts;
        Finish(record, now);
        Scheduler.Complete(taskId, now);
    }

    /// <summary>Records a failed task; its transitive dependents are skipped.</summary>
    public void Fail(string taskId, string error, int attempts, DateTimeOffset now)
    {
        var record = _records[taskId];
        if (Scheduler.IsCancelled)
        {
            return;
        }

        record.Error = error;
        record.Attempts = attempts;
        Finish(record, now);
        Scheduler.Fail(taskId, now, error);
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
    }

    /// <summary>Why the run was cancelled; null when it was not.</summary>
    public string? CancelReason { get; private set; }

    /// <summary>The report of the run as it stands.</summary>
    public WorkflowReport Report()
    {
        var tasks = new List<TaskReport>(Spec.Tasks.Count);
        int pending = 0, running = 0, completed = 0, failed = 0, skipped = 0, cancelled = 0;
        foreach (var spec in Spec.Tasks)
        {
            var record = _records[spec.TaskId!];
            var snapshot = Scheduler.GetSnapshot(spec.TaskId!);
            var status = snapshot.State.ToStatus();
            switch (status)
            {
                case WorkflowTaskStatus.Pending: pending++; break;
                case WorkflowTaskStatus.Running: running++; break;
                case WorkflowTaskStatus.Completed: completed++; break;
                case WorkflowTaskStatus.Failed: failed++; break;
                case WorkflowTaskStatus.Skipped: skipped++; break;
                case WorkflowTaskStatus.Cancelled: cancelled++; break;
            }

            tasks.Add(new TaskReport
            {
                TaskId = spec.TaskId!,
                TaskType = spec.TaskType,
                Status = status,
                Priority = spec.Priority,
                Result = record.Result,
                Error = record.Error ?? DescribeReason(snapshot),
                Attempts = record.Attempts,
                StartedAt = record.StartedAt,
                CompletedAt = record.CompletedAt,
                StartSequence = record.StartSequence,
                FinishSequence = record.FinishSequence,
            });
        }

        return new WorkflowReport
        {
            WorkflowId = WorkflowId,
            Counts = new WorkflowCounts(tasks.Count, pending, running, completed, failed, skipped, cancelled),
            Tasks = tasks,
            Cancelled = CancelReason is not null,
        };
    }

    private static string? DescribeReason(TaskStateSnapshot snapshot) => snapshot.CauseTaskId is { } cause
        ? $"{snapshot.Reason}: dependency '{cause}' failed"
        : snapshot.Reason;

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
    }
}
