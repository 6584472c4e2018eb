using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;

namespace LocalRuntime.Durable.Engine;

public sealed partial class DurableEngine
{
    private readonly WorkQueue<ActivityWorkItem> _activityQueue = new();

    /// <summary>
    /// The most activity results handed to the store and not yet committed. Workers do not wait for their
    /// result's commit (a durable store group-commits many at once); this bounds the results held in memory.
    /// </summary>
    private const int MaxUncommittedResults = 4_096;

    private readonly List<Task> _activityWorkerTasks = [];
    private readonly Lock _poolGate = new();
    private readonly SemaphoreSlim _commitWindow = new(MaxUncommittedResults, MaxUncommittedResults);
    private readonly TaskCompletionSource _commitsDrained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _activityWorkers;
    private int _idleActivityWorkers;
    private int _activityBacklog;
    private int _uncommittedResults;

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
        // Grow while more items wait than idle workers can take: a burst (a fan-out) queued faster than an
        // idle worker wakes up must still grow the pool, not be run by that one worker.
        var backlog = Interlocked.Increment(ref _activityBacklog);
        _activityQueue.TryWrite(item);
        if (backlog > Volatile.Read(ref _idleActivityWorkers) && Volatile.Read(ref _activityWorkers) < _options.MaxConcurrentActivityFunctions)
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
        _activityQueue.Complete();
        lock (_poolGate)
        {
            return [.. _activityWorkerTasks];
        }
    }

    /// <summary>Completes once every result handed to the store has been committed (or given up at stop).</summary>
    private Task WhenResultsCommitted() =>
        Volatile.Read(ref _uncommittedResults) == 0 ? Task.CompletedTask : _commitsDrained.Task;

    private async Task RunActivityWorkerAsync()
    {
        // A worker above the minimum leaves after the idle timeout (on the engine's clock).
        using var waiter = new WorkQueue<ActivityWorkItem>.Waiter(_activityQueue, _time, _options.ActivityWorkerIdleTimeout);
        try
        {
            while (!_stopping.IsCancellationRequested)
            {
                if (_activityQueue.TryRead(out var item))
                {
                    Interlocked.Decrement(ref _activityBacklog);
                    await ExecuteActivityAsync(item);
                    continue;
                }

                Interlocked.Increment(ref _idleActivityWorkers);
                bool more;
                try
                {
                    more = await _activityQueue.WaitAsync(waiter);
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

        // Hand the result to the store and take the next activity: the result is routed to its
        // orchestration only after its commit (never before it is durable), and exactly once.
        await _commitWindow.WaitAsync();
        Interlocked.Increment(ref _uncommittedResults);
        _ = CommitResultAsync(item, result);
    }

    private async Task CommitResultAsync(ActivityWorkItem item, OrchestrationMessage result)
    {
        try
        {
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
        catch (Exception ex)
        {
            // Stopping: the work item stays stored and runs again after restart.
            _logger.LogDebug(ex, "Result of activity {Name} for {InstanceId} not committed before stop.", item.Name, item.InstanceId);
        }
        finally
        {
            _commitWindow.Release();
            if (Interlocked.Decrement(ref _uncommittedResults) == 0 && _stopping.IsCancellationRequested)
            {
                _commitsDrained.TrySetResult();
            }
        }
    }

    private HistoryEvent Failed(ActivityWorkItem item, TaskFailureDetails failure) =>
        new() { Type = HistoryEventType.TaskFailed, Timestamp = UtcNow(), TaskId = item.TaskId, Name = item.Name, Failure = failure };
}
