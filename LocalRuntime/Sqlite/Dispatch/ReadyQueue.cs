using System.Diagnostics.CodeAnalysis;

namespace LocalRuntime.Sqlite.Dispatch;

/// <summary>
/// Work ready to hand out, highest priority first with aging: an item of priority <c>p</c> made ready at <c>t</c> is
/// handed out as if it had been ready at <c>t - p × step</c>. So an item is overtaken only by higher-priority items
/// made ready less than <c>Δp × step</c> after it, and no stream of higher-priority work starves it; equal keys
/// (one priority, one instant) go first in, first out. A zero step is plain first in, first out. Guarded by the
/// service's gate.
/// </summary>
internal sealed class ReadyQueue<T>(TimeSpan step)
{
    private readonly PriorityQueue<T, (long Key, long Sequence)> _queue = new();
    private readonly long _stepTicks = step.Ticks;
    private long _sequence;

    public int Count => _queue.Count;

    public void Enqueue(T item, int priority, DateTime readyAt) =>
        _queue.Enqueue(item, (readyAt.Ticks - (priority * _stepTicks), _sequence++));

    public bool TryDequeue([MaybeNullWhen(false)] out T item) => _queue.TryDequeue(out item, out _);

    public void Clear() => _queue.Clear();
}
