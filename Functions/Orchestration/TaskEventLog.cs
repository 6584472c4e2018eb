using ServerlessTasks.Domain.Clock;
using ServerlessTasks.Domain.Model;
using ServerlessTasks.TaskIndex;

namespace ServerlessTasks.Functions.Orchestration;

/// <summary>
/// The events of a single task's orchestration waiting to go out with its next index batch, stamped by the
/// orchestration's replay-safe clock.
/// </summary>
public sealed class TaskEventLog(string instanceId, string taskId)
{
    private readonly List<TaskEvent> _pending = [];

    /// <summary>The orchestration's clock.</summary>
    public OrchestrationClock Clock { get; } = new(instanceId);

    /// <summary>The stamp of the task's latest event.</summary>
    public HlcTimestamp? Last { get; private set; }

    /// <summary>Records an event stamped now (after <paramref name="after"/> when given).</summary>
    public TaskEvent Add(TaskEventKind kind, DateTimeOffset now, int attempt = 0, string? detail = null, HlcTimestamp? after = null)
    {
        var e = Clock.Stamp(instanceId, taskId, kind, now, attempt, detail, after);
        Append(e);
        return e;
    }

    /// <summary>Records events stamped elsewhere (the attempts' started and retried events).</summary>
    public void AddRange(IReadOnlyList<TaskEvent>? events)
    {
        foreach (var e in events ?? [])
        {
            Append(e);
        }
    }

    /// <summary>Returns and forgets the pending events.</summary>
    public IReadOnlyList<TaskEvent> Take()
    {
        var events = _pending.ToArray();
        _pending.Clear();
        return events;
    }

    /// <summary>The event kind of a final status.</summary>
    public static TaskEventKind KindOf(WorkflowTaskStatus status) => status switch
    {
        WorkflowTaskStatus.Completed => TaskEventKind.Completed,
        WorkflowTaskStatus.Skipped => TaskEventKind.Skipped,
        WorkflowTaskStatus.Cancelled => TaskEventKind.Cancelled,
        _ => TaskEventKind.Failed,
    };

    private void Append(TaskEvent e)
    {
        _pending.Add(e);
        if (Last is not { } last || e.Hlc > last)
        {
            Last = e.Hlc;
        }
    }
}
