namespace LocalRuntime.Functions.Host;

/// <summary>An auto-reset signal a loop can wait on with a timeout measured on a <see cref="TimeProvider"/>.</summary>
internal sealed class AsyncSignal : IDisposable
{
    private readonly SemaphoreSlim _semaphore = new(0, 1);

    public void Set()
    {
        try
        {
            if (_semaphore.CurrentCount == 0)
            {
                _semaphore.Release();
            }
        }
        catch (SemaphoreFullException)
        {
            // Already set by a racing caller: one pending wake-up is all a loop needs.
        }
        catch (ObjectDisposedException)
        {
            // The listener is gone; nothing waits any more.
        }
    }

    /// <summary>Waits until set or until <paramref name="timeout"/> passes on <paramref name="time"/>.</summary>
    public async Task WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellation)
    {
        if (timeout <= TimeSpan.Zero)
        {
            return;
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var signalled = _semaphore.WaitAsync(linked.Token);
        var elapsed = Task.Delay(timeout, time, linked.Token);
        await Task.WhenAny(signalled, elapsed);
        await linked.CancelAsync();
        await Task.WhenAll(signalled, elapsed).ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        cancellation.ThrowIfCancellationRequested();
    }

    public void Dispose() => _semaphore.Dispose();
}
