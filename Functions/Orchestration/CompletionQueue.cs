namespace ServerlessTasks.Functions.Orchestration;

/// <summary>
/// Hands back tasks in the order they complete, for orchestrator code. Unlike calling
/// <see cref="Task.WhenAny(IEnumerable{Task})"/> over everything in flight (O(n) per completion), each
/// task is watched once; the order is the order in which the runtime applies completion events, so
/// it is the same on every replay.
/// </summary>
/// <typeparam name="TKey">What identifies a task to the caller.</typeparam>
public sealed class CompletionQueue<TKey>
{
    private readonly Queue<(TKey Key, Task Task)> _completed = new();
    private TaskCompletionSource? _signal;

    /// <summary>How many added tasks have not been taken back yet.</summary>
    public int Outstanding { get; private set; }

    /// <summary>Watches a task.</summary>
    public void Add(TKey key, Task task)
    {
        Outstanding++;
        _ = WatchAsync(key, task);
    }

    /// <summary>The next completed task (waits if none has completed yet).</summary>
    public async Task<(TKey Key, Task Task)> NextAsync()
    {
        if (Outstanding == 0)
        {
            throw new InvalidOperationException("No task is outstanding.");
        }

        while (_completed.Count == 0)
        {
            _signal = new TaskCompletionSource();
            await _signal.Task;
        }

        Outstanding--;
        return _completed.Dequeue();
    }

    private async Task WatchAsync(TKey key, Task task)
    {
        try
        {
            await task;
        }
        catch (Exception)
        {
            // The caller inspects the task itself; the watcher only records that it finished.
        }

        _completed.Enqueue((key, task));
        _signal?.TrySetResult();
    }
}
