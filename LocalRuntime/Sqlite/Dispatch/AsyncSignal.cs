namespace LocalRuntime.Sqlite.Dispatch;

/// <summary>
/// Wakes whoever waits for work of one kind: <see cref="WaitTask"/> gives a task completed by the next
/// <see cref="Set"/>. Used under the service's gate, so no lock of its own.
/// </summary>
internal sealed class AsyncSignal
{
    private TaskCompletionSource<bool>? _waiters;

    /// <summary>A task that completes on the next <see cref="Set"/> (call under the gate, after finding no work).</summary>
    public Task WaitTask => (_waiters ??= new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    /// <summary>Wakes the current waiters, if any (cheap when nobody waits).</summary>
    public void Set()
    {
        var waiters = _waiters;
        if (waiters is not null)
        {
            _waiters = null;
            waiters.TrySetResult(true);
        }
    }
}
