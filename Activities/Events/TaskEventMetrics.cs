using System.Diagnostics.Metrics;
using ServerlessTasks.TaskIndex;

namespace ServerlessTasks.Activities.Events;

/// <summary>The built-in event handler: counts task events by kind (meter <c>ServerlessTasks.Events</c>, counter <c>task_events</c>).</summary>
public sealed class TaskEventMetrics : ITaskEventHandler, IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "ServerlessTasks.Events";

    private readonly Meter _meter;
    private readonly Counter<long> _events;

    /// <summary>Creates the handler's instruments.</summary>
    public TaskEventMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _meter = meters.Create(MeterName);
        _events = _meter.CreateCounter<long>("task_events", description: "Task events journaled, by kind.");
    }

    /// <inheritdoc />
    public Task HandleAsync(IReadOnlyList<TaskEvent> events, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(events);
        foreach (var e in events)
        {
            _events.Add(1, new KeyValuePair<string, object?>("kind", e.Kind.ToString()));
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}
