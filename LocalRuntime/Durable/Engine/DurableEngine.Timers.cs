namespace LocalRuntime.Durable.Engine;

public sealed partial class DurableEngine
{
    private readonly PriorityQueue<OrchestrationMessage, DateTime> _timers = new();
    private ITimer? _timer;
    private DateTime _armedFor = DateTime.MaxValue;

    private int PendingTimerCount
    {
        get
        {
            lock (_timers)
            {
                return _timers.Count;
            }
        }
    }

    private void InitializeTimers() => _timer = _time.CreateTimer(static state => ((DurableEngine)state!).FireDueTimers(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

    /// <summary>Holds a not-yet-visible message (a durable timer) until its time on the engine's clock.</summary>
    private void ScheduleTimer(OrchestrationMessage message)
    {
        lock (_timers)
        {
            _timers.Enqueue(message, message.VisibleAt!.Value);
            ArmTimer();
        }
    }

    private void FireDueTimers()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        var due = new List<OrchestrationMessage>();
        lock (_timers)
        {
            _armedFor = DateTime.MaxValue;
            var now = UtcNow();
            while (_timers.TryPeek(out var message, out var at) && at <= now)
            {
                _timers.Dequeue();
                due.Add(message);
            }

            ArmTimer();
        }

        foreach (var message in due)
        {
            Route(message);
        }
    }

    private void ArmTimer()
    {
        if (!_timers.TryPeek(out _, out var next) || next >= _armedFor)
        {
            return;
        }

        _armedFor = next;
        var delay = next - UtcNow();
        _timer?.Change(delay < TimeSpan.Zero ? TimeSpan.Zero : delay, Timeout.InfiniteTimeSpan);
    }

    private void StopTimers() => _timer?.Dispose();
}
