using System.Collections.Concurrent;
using System.Threading.Tasks.Sources;

namespace LocalRuntime.Durable.Engine;

/// <summary>
/// A multi-producer, multi-consumer work queue for the engine's worker pools. Unlike an unbounded
/// <c>Channel</c> with many readers, an item wakes exactly one idle worker (no herd of workers woken
/// per item), and a wait allocates nothing: each worker reuses its own <see cref="Waiter"/>.
/// </summary>
/// <remarks>
/// No lost wake-ups: a worker checks for items and registers as idle under one lock, and a producer
/// enqueues before it takes that lock to pick an idle worker.
/// </remarks>
internal sealed class WorkQueue<T>
{
    private readonly ConcurrentQueue<T> _items = new();
    private readonly List<Waiter> _idle = [];
    private volatile bool _completed;

    /// <summary>Items waiting.</summary>
    public int Count => _items.Count;

    /// <summary>Adds an item and wakes one idle worker; false once completed.</summary>
    public bool TryWrite(T item)
    {
        if (_completed)
        {
            return false;
        }

        _items.Enqueue(item);
        Waiter? waiter = null;
        lock (_idle)
        {
            if (_idle.Count > 0)
            {
                waiter = _idle[^1];
                _idle.RemoveAt(_idle.Count - 1);
            }
        }

        waiter?.Signal(true);
        return true;
    }

    public bool TryRead(out T item) => _items.TryDequeue(out item!);

    /// <summary>Takes no more items; idle workers wake and find the queue finished once it is empty.</summary>
    public void Complete()
    {
        _completed = true;
        Waiter[] all;
        lock (_idle)
        {
            all = [.. _idle];
            _idle.Clear();
        }

        foreach (var waiter in all)
        {
            waiter.Signal(!_items.IsEmpty);
        }
    }

    /// <summary>
    /// Waits until an item may be there (true), or the queue is completed and empty, or the waiter's idle
    /// timeout passed (false).
    /// </summary>
    public ValueTask<bool> WaitAsync(Waiter waiter)
    {
        lock (_idle)
        {
            if (!_items.IsEmpty)
            {
                return new ValueTask<bool>(true);
            }

            if (_completed)
            {
                return new ValueTask<bool>(false);
            }

            var task = waiter.Arm();
            _idle.Add(waiter);
            return task;
        }
    }

    /// <summary>Times a waiter out if it is still idle (called by its timer).</summary>
    private void TimeOut(Waiter waiter)
    {
        lock (_idle)
        {
            if (!waiter.IdleLongEnough() || !_idle.Remove(waiter))
            {
                return;
            }
        }

        waiter.Signal(false);
    }

    /// <summary>One worker's reusable wait; optionally times out after an idle period on a clock.</summary>
    internal sealed class Waiter : IValueTaskSource<bool>, IDisposable
    {
        private readonly WorkQueue<T> _queue;
        private readonly TimeProvider _time;
        private readonly TimeSpan _idleTimeout;
        private readonly ITimer? _timer;
        private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };
        private long _waitingSince;

        public Waiter(WorkQueue<T> queue, TimeProvider time, TimeSpan idleTimeout)
        {
            _queue = queue;
            _time = time;
            _idleTimeout = idleTimeout;
            if (idleTimeout > TimeSpan.Zero && idleTimeout != Timeout.InfiniteTimeSpan)
            {
                _timer = time.CreateTimer(static state => ((Waiter)state!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            }
        }

        public void Dispose() => _timer?.Dispose();

        public bool GetResult(short token) => _core.GetResult(token);

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);

        /// <summary>Starts a wait (under the queue's lock).</summary>
        internal ValueTask<bool> Arm()
        {
            _core.Reset();
            _waitingSince = _time.GetTimestamp();
            _timer?.Change(_idleTimeout, Timeout.InfiniteTimeSpan);
            return new ValueTask<bool>(this, _core.Version);
        }

        /// <summary>Ends the current wait; called once per wait, by whoever took it off the idle list.</summary>
        internal void Signal(bool result) => _core.SetResult(result);

        /// <summary>
        /// Whether the current wait has lasted the idle timeout: a timer armed for an earlier wait may
        /// fire late, during a newer one, and must not end it early.
        /// </summary>
        internal bool IdleLongEnough() => _time.GetElapsedTime(_waitingSince) >= _idleTimeout;

        private void OnTimer()
        {
            if (!IdleLongEnough())
            {
                // Fired for an earlier wait: re-arm for the rest of this one.
                var left = _idleTimeout - _time.GetElapsedTime(_waitingSince);
                _timer?.Change(left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1), Timeout.InfiniteTimeSpan);
                return;
            }

            _queue.TimeOut(this);
        }
    }
}
