namespace ServerlessTasks.Activities.Workers;

/// <summary>
/// Wakes waiting lease calls when work is queued in this process (no busy polling): each pulse completes the current
/// waiters' task and starts a new one. Work queued by another instance is found by the lease call's slow re-check.
/// </summary>
public sealed class WorkSignal
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Wakes everyone waiting now.</summary>
    public void Pulse() => Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>Waits for the next pulse, at most <paramref name="timeout"/>; true when pulsed.</summary>
    public async Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellation)
    {
        var next = Volatile.Read(ref _next).Task;
        try
        {
            await next.WaitAsync(timeout, cancellation);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }
}
