using System.Threading.Channels;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;

namespace LocalRuntime.Durable.Engine;

public sealed partial class DurableEngine
{
    private readonly Channel<ActivityWorkItem> _activityQueue =
        Channel.CreateUnbounded<ActivityWorkItem>(new UnboundedChannelOptions { SingleReader = false, SingleWriter = false });

    private readonly List<Task> _activityWorkerTasks = [];
    private readonly Lock _poolGate = new();
    private int _activityWorkers;
    private int _idleActivityWorkers;

    private void InitializeActivityPool()
    {
        for (var i = 0; i < Math.Max(1, _options.MinActivityWorkers); i++)
        {
            SpawnActivityWorker();
        }
    }

    /// <summary>Queues an activity; grows the pool when no worker is idle.</summary>
    internal void EnqueueActivity(ActivityWorkItem item)
    {
        _activityQueue.Writer.TryWrite(item);
        if (Volatile.Read(ref _idleActivityWorkers) == 0 && Volatile.Read(ref _activityWorkers) < _options.MaxConcurrentActivityFunctions)
        {
            SpawnActivityWorker();
        }
    }

    private void SpawnActivityWorker()
    {
        lock (_poolGate)
        {
            if (_activityWorkers >= _options.MaxConcurrentActivityFunctions || _stopping.IsCancellationRequested)
            {
                return;
            }

            _activityWorkers++;
            _activityWorkerTasks.RemoveAll(t => t.IsCompleted);
            _activityWorkerTasks.Add(Task.Run(RunActivityWorkerAsync));
        }
    }

    private IEnumerable<Task> StopActivityPool()
    {
        _activityQueue.Writer.TryComplete();
        lock (_poolGate)
        {
            return [.. _activityWorkerTasks];
        }
    }

    private async Task RunActivityWorkerAsync()
    {
        var reader = _activityQueue.Reader;
        try
        {
            while (!_stopping.IsCancellationRequested)
            {
                if (reader.TryRead(out var item))
                {
                    await ExecuteActivityAsync(item);
                    continue;
                }

                // Idle: wait for work; a worker above the minimum leaves after the idle timeout.
                Interlocked.Increment(ref _idleActivityWorkers);
                bool more;
                try
                {
                    more = await WaitForActivityAsync(reader);
                }
                finally
                {
                    Interlocked.Decrement(ref _idleActivityWorkers);
                }

                if (!more && TryRetireWorker())
                {
                    return;
                }
            }
        }
        finally
        {
            if (_stopping.IsCancellationRequested)
            {
                Interlocked.Decrement(ref _activityWorkers);
            }
        }
    }

    private async Task<bool> WaitForActivityAsync(ChannelReader<ActivityWorkItem> reader)
    {
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        idle.CancelAfter(_options.ActivityWorkerIdleTimeout);
        try
        {
            return await reader.WaitToReadAsync(idle.Token);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private bool TryRetireWorker()
    {
        lock (_poolGate)
        {
            if (_stopping.IsCancellationRequested || _activityWorkers <= Math.Max(1, _options.MinActivityWorkers))
            {
                return _stopping.IsCancellationRequested;
            }

            _activityWorkers--;
            return true;
        }
    }

    private async Task ExecuteActivityAsync(ActivityWorkItem item)
    {
        HistoryEvent outcome;
        if (!_registry.TryGetActivity(item.Name, out var function))
        {
            outcome = Failed(item, new TaskFailureDetails(
                typeof(InvalidOperationException).FullName!, $"The activity function '{item.Name}' does not exist in this app.", null, null));
        }
        else
        {
            try
            {
                var output = await function(new ActivityInvocation(item.Name, item.InstanceId, item.TaskId, item.Input, item.DequeueCount + 1), _stopping.Token);
                outcome = new HistoryEvent { Type = HistoryEventType.TaskCompleted, Timestamp = UtcNow(), TaskId = item.TaskId, Data = output };
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                return; // shutting down: the work item stays stored and runs again after restart
            }
            catch (Exception ex)
            {
                outcome = Failed(item, TaskFailureDetails.FromException(ex));
            }
        }

        var result = new OrchestrationMessage { Id = NextId(), InstanceId = item.InstanceId, ExecutionId = item.ExecutionId, Event = outcome };
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                if (await Store.CompleteActivityAsync(item.Id, result))
                {
                    Route(result);
                }

                return;
            }
            catch (Exception ex) when (!_stopping.IsCancellationRequested)
            {
                _logger.LogWarning(ex, "Committing the result of activity {Name} for {InstanceId} failed (attempt {Attempt}); retrying.", item.Name, item.InstanceId, attempt);
                await Task.Delay(TimeSpan.FromTicks(Math.Min(_options.StoreRetryDelay.Ticks << Math.Min(attempt - 1, 6), TimeSpan.FromSeconds(5).Ticks)), _time);
            }
        }
    }

    private HistoryEvent Failed(ActivityWorkItem item, TaskFailureDetails failure) =>
        new() { Type = HistoryEventType.TaskFailed, Timestamp = UtcNow(), TaskId = item.TaskId, Name = item.Name, Failure = failure };
}
