using ServerlessTasks.Domain.Clock;

namespace ServerlessTasks.TaskIndex;

/// <summary>The event journal half of the in-memory index.</summary>
public sealed partial class InMemoryTaskIndex
{
    private readonly SortedSet<TaskEvent> _events = new(Comparer<TaskEvent>.Create(TaskEvent.CompareByHlc));
    private readonly HashSet<(string, string, TaskEventKind, int)> _eventKeys = [];
    private readonly Dictionary<string, ulong> _marks = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public event Action? Appended;

    /// <inheritdoc />
    public Task AppendAsync(IReadOnlyList<TaskEvent> events, HlcTimestamp? highWaterMark = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        var added = false;
        lock (_gate)
        {
            foreach (var e in events)
            {
                if (_eventKeys.Add((e.WorkflowId, e.TaskId ?? string.Empty, e.Kind, e.Attempt)))
                {
                    _events.Add(e);
                    added = true;
                }
            }

            if (highWaterMark is { } mark && (!_marks.TryGetValue(mark.NodeId, out var known) || known < mark.Packed))
            {
                _marks[mark.NodeId] = mark.Packed;
            }
        }

        if (added)
        {
            Appended?.Invoke();
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<TaskEvent>> ListWorkflowEventsAsync(string workflowId, CancellationToken cancellation = default)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<TaskEvent>>([.. _events.Where(e => e.WorkflowId == workflowId)]);
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<TaskEvent>> ListTaskEventsAsync(string workflowId, string taskId, CancellationToken cancellation = default)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<TaskEvent>>([.. _events.Where(e => e.WorkflowId == workflowId && e.TaskId == taskId)]);
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<TaskEvent>> ReadAfterAsync(HlcTimestamp? after, HlcTimestamp? upTo, string? workflowId, int limit, CancellationToken cancellation = default)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<TaskEvent>>([.. _events
                .Where(e => (after is not { } a || e.Hlc > a) && (upTo is not { } u || e.Hlc <= u) && (workflowId is null || e.WorkflowId == workflowId))
                .Take(limit)]);
        }
    }

    /// <inheritdoc />
    public Task<HlcTimestamp?> GetHighWaterMarkAsync(CancellationToken cancellation = default)
    {
        lock (_gate)
        {
            ulong max = 0;
            foreach (var mark in _marks.Values)
            {
                max = Math.Max(max, mark);
            }

            if (_events.Count > 0)
            {
                max = Math.Max(max, _events.Max!.Hlc.Packed);
            }

            return Task.FromResult<HlcTimestamp?>(_marks.Count == 0 && _events.Count == 0 ? null : HlcTimestamp.FromPacked(max));
        }
    }
}
