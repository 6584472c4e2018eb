using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using ServerlessTasks.Activities.Events;
using ServerlessTasks.Domain.Model;
using ServerlessTasks.TaskIndex;

namespace ServerlessTasks.Activities.Telemetry;

/// <summary>
/// The app's own spans and instruments (ActivitySource and Meter <c>ServerlessTasks</c>): task latency from the journaled
/// events, tasks by status and the queue depth from the task index, webhook attempts by outcome. An OpenTelemetry pipeline
/// (or any listener) subscribes by name; without one the instruments cost a flag check.
/// </summary>
public sealed class TaskTelemetry : ITaskEventHandler, IDisposable
{
    /// <summary>The ActivitySource and Meter name.</summary>
    public const string Name = "ServerlessTasks";

    /// <summary>Seconds from an attempt's start (its <c>started</c>, else <c>dispatched</c> event) to its end.</summary>
    public const string TaskDuration = "serverlesstasks.task.duration";

    /// <summary>Seconds from a task's <c>ready</c> event to its first dispatch (the time it queued).</summary>
    public const string TaskQueueTime = "serverlesstasks.task.queue_time";

    /// <summary>Tasks in the index by status (observed).</summary>
    public const string Tasks = "serverlesstasks.tasks";

    /// <summary>Tasks waiting to run (pending in the index, observed).</summary>
    public const string QueueDepth = "serverlesstasks.queue.depth";

    /// <summary>Webhook (callback) attempts by outcome.</summary>
    public const string WebhookAttempts = "serverlesstasks.webhook.attempts";

    /// <summary>Seconds one webhook attempt took.</summary>
    public const string WebhookDuration = "serverlesstasks.webhook.duration";

    /// <summary>The source of the app's spans (webhook deliveries).</summary>
    public static readonly ActivitySource Source = new(Name);

    // Attempts whose start this process saw and whose end it did not yet: bounded, as a batch may be handed to another
    // instance (the histogram then misses that attempt rather than growing without limit).
    private const int MaxOpen = 50_000;

    private static readonly InstrumentAdvice<double> Seconds = new()
    {
        HistogramBucketBoundaries = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
    };

    private readonly Meter _meter;
    private readonly Histogram<double> _duration;
    private readonly Histogram<double> _queueTime;
    private readonly Counter<long> _webhookAttempts;
    private readonly Histogram<double> _webhookDuration;
    private readonly ConcurrentDictionary<(string, string, int), DateTimeOffset> _started = new();
    private readonly ConcurrentDictionary<(string, string), DateTimeOffset> _ready = new();
    private readonly ITaskIndex _index;
    private readonly TimeProvider _time;
    private readonly Lock _countsLock = new();
    private IReadOnlyDictionary<WorkflowTaskStatus, int> _counts = new Dictionary<WorkflowTaskStatus, int>();
    private long _countsReadAt = long.MinValue;

    /// <summary>Creates the instruments.</summary>
    public TaskTelemetry(IMeterFactory meters, ITaskIndex index, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _index = index;
        _time = time;
        _meter = meters.Create(Name);
        _duration = _meter.CreateHistogram(TaskDuration, "s", "Task attempt duration, from its start to its end, by task outcome.", advice: Seconds);
        _queueTime = _meter.CreateHistogram(TaskQueueTime, "s", "Time from a task's readiness to its first dispatch.", advice: Seconds);
        _webhookAttempts = _meter.CreateCounter<long>(WebhookAttempts, "{attempt}", "Webhook delivery attempts by outcome (2xx, 4xx, 410, 429, 5xx, timeout, error).");
        _webhookDuration = _meter.CreateHistogram(WebhookDuration, "s", "Webhook delivery attempt duration.", advice: Seconds);
        _meter.CreateObservableGauge(Tasks, ObserveTasks, "{task}", "Tasks in the index by status.");
        _meter.CreateObservableGauge(QueueDepth, () => (long)Counts().GetValueOrDefault(WorkflowTaskStatus.Pending), "{task}", "Tasks waiting to run (pending).");
    }

    /// <inheritdoc />
    public Task HandleAsync(IReadOnlyList<TaskEvent> events, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (!_duration.Enabled && !_queueTime.Enabled)
        {
            return Task.CompletedTask;
        }

        foreach (var e in events)
        {
            if (e.TaskId is not { } taskId)
            {
                continue;
            }

            var attempt = (e.WorkflowId, taskId, e.Attempt);
            switch (e.Kind)
            {
                case TaskEventKind.Ready:
                    if (_ready.Count < MaxOpen)
                    {
                        _ready.TryAdd((e.WorkflowId, taskId), e.At);
                    }

                    break;
                case TaskEventKind.Dispatched:
                    if (_ready.TryRemove((e.WorkflowId, taskId), out var ready))
                    {
                        _queueTime.Record(Math.Max(0, (e.At - ready).TotalSeconds));
                    }

                    if (_started.Count < MaxOpen)
                    {
                        _started.TryAdd(attempt, e.At);
                    }

                    break;
                case TaskEventKind.Started:
                    if (_started.Count < MaxOpen || _started.ContainsKey(attempt))
                    {
                        _started[attempt] = e.At; // the worker's own start replaces the dispatch
                    }

                    break;
                case TaskEventKind.Completed or TaskEventKind.Failed or TaskEventKind.Retried or TaskEventKind.Cancelled:
                    if (_started.TryRemove(attempt, out var start))
                    {
                        _duration.Record(Math.Max(0, (e.At - start).TotalSeconds), new KeyValuePair<string, object?>("outcome", e.Kind.ToString().ToLowerInvariant()));
                    }

                    break;
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>Records one webhook attempt (<paramref name="outcome"/> as <see cref="WebhookAttempts"/> names them).</summary>
    public void RecordWebhook(string outcome, TimeSpan elapsed)
    {
        var tag = new KeyValuePair<string, object?>("outcome", outcome);
        _webhookAttempts.Add(1, tag);
        _webhookDuration.Record(elapsed.TotalSeconds, tag);
    }

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();

    private IEnumerable<Measurement<long>> ObserveTasks() =>
        Counts().Select(c => new Measurement<long>(c.Value, new KeyValuePair<string, object?>("status", c.Key.ToString().ToLowerInvariant())));

    /// <summary>The index's counts by status, read at most every 10 s (one count query per status; collection is synchronous).</summary>
    private IReadOnlyDictionary<WorkflowTaskStatus, int> Counts()
    {
        lock (_countsLock)
        {
            var now = _time.GetTimestamp();
            if (_countsReadAt != long.MinValue && _time.GetElapsedTime(_countsReadAt, now) < TimeSpan.FromSeconds(10))
            {
                return _counts;
            }

            var counts = new Dictionary<WorkflowTaskStatus, int>();
            foreach (var status in Enum.GetValues<WorkflowTaskStatus>())
            {
                counts[status] = _index.ListAsync(status, 1, 0).GetAwaiter().GetResult().Total;
            }

            _counts = counts;
            _countsReadAt = now;
            return counts;
        }
    }
}
