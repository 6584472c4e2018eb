using System.Diagnostics;
using System.Globalization;

namespace ServerlessTasks.ReferenceWorker;

/// <summary>
/// The worker's life: register; heartbeat on the service's interval; long-poll for as many tasks as it has free slots;
/// run each and complete or fail it by its lease token. When the stopping token fires it drains: no new
/// leases, heartbeats say <c>draining</c>, running tasks finish (up to the drain timeout), then it deregisters.
/// One line per lease and per outcome goes to <paramref name="log"/> (tests and the crash run read them).
/// </summary>
public sealed class WorkerLoop(WorkerOptions options, WorkerClient client, TextWriter log, Action<TimeSpan, int>? leaseObserved = null) : IDisposable
{
    private readonly SemaphoreSlim _slots = new(options.MaxConcurrentTasks, options.MaxConcurrentTasks);
    private readonly Lock _gate = new();
    private readonly HashSet<Task> _running = [];
    private volatile bool _draining;
    private long _completed;
    private long _refused;

    /// <inheritdoc />
    public void Dispose() => _slots.Dispose();

    /// <summary>Outcomes the service accepted.</summary>
    public long Completed => Interlocked.Read(ref _completed);

    /// <summary>Outcomes the service refused (409: the lease was superseded or expired).</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Runs until <paramref name="stopping"/> fires and the drain is over.</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        var registration = await RetryAsync(client.RegisterAsync, stopping);
        Write($"registered {options.WorkerId} capabilities {string.Join(',', options.Capabilities)} heartbeat {registration.HeartbeatIntervalS.ToString(CultureInfo.InvariantCulture)} s");
        using var heartbeatStop = new CancellationTokenSource();
        var heartbeats = HeartbeatLoopAsync(TimeSpan.FromSeconds(Math.Max(0.2, registration.HeartbeatIntervalS / 2)), heartbeatStop.Token);
        try
        {
            await LeaseLoopAsync(stopping);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }

        _draining = true;
        Write($"draining {options.WorkerId}: {RunningCount} running");
        await client.HeartbeatAsync(draining: true, RunningCount, CancellationToken.None).ConfigureAwait(false);
        Task[] running;
        lock (_gate)
        {
            running = [.. _running];
        }

        await Task.WhenAll(running).WaitAsync(TimeSpan.FromSeconds(options.DrainTimeout), CancellationToken.None).ContinueWith(_ => { }, TaskScheduler.Default);
        await heartbeatStop.CancelAsync();
        await heartbeats.ContinueWith(_ => { }, TaskScheduler.Default);
        await client.DeregisterAsync(CancellationToken.None);
        Write($"stopped {options.WorkerId}: {Completed} completed, {Refused} refused");
    }

    private int RunningCount
    {
        get
        {
            lock (_gate)
            {
                return _running.Count;
            }
        }
    }

    private async Task LeaseLoopAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            await _slots.WaitAsync(stopping);
            var free = 1;
            while (free < options.MaxConcurrentTasks && _slots.Wait(0, CancellationToken.None))
            {
                free++;
            }

            IReadOnlyList<LeasedTask>? tasks;
            var watch = Stopwatch.StartNew();
            try
            {
                tasks = await client.LeaseAsync(free, options.WaitSeconds, stopping);
            }
            catch (HttpRequestException ex)
            {
                _slots.Release(free);
                Write($"lease failed: {ex.Message}");
                await Task.Delay(TimeSpan.FromSeconds(1), stopping);
                continue;
            }

            leaseObserved?.Invoke(watch.Elapsed, tasks?.Count ?? 0);
            if (tasks is null)
            {
                _slots.Release(free);
                await RetryAsync(client.RegisterAsync, stopping);
                continue;
            }

            if (free > tasks.Count)
            {
                _slots.Release(free - tasks.Count);
            }

            foreach (var task in tasks)
            {
                Write($"leased {task.TaskId} attempt {task.Attempt} lease {task.LeaseToken}");
                var run = RunOneAsync(task);
                lock (_gate)
                {
                    _running.Add(run);
                }

                _ = run.ContinueWith(
                    t =>
                    {
                        lock (_gate)
                        {
                            _running.Remove(t);
                        }

                        _slots.Release();
                    },
                    CancellationToken.None,
                    TaskContinuationOptions.ExecuteSynchronously,
                    TaskScheduler.Default);
            }
        }
    }

    private async Task RunOneAsync(LeasedTask task)
    {
        await Task.Yield();
        bool accepted;
        string outcome;
        try
        {
            var result = await TaskHandlers.RunAsync(task.TaskType, task.Payload, options.WorkerId, task.Attempt, CancellationToken.None);
            accepted = await client.CompleteAsync(task.LeaseToken, result, CancellationToken.None);
            outcome = "completed";
        }
        catch (TaskFailure failure)
        {
            accepted = await client.FailAsync(task.LeaseToken, failure.Message, failure.Retryable, CancellationToken.None);
            outcome = failure.Retryable ? "failed-retryable" : "failed";
        }
        catch (HttpRequestException ex)
        {
            Write($"outcome of {task.TaskId} not sent: {ex.Message}");
            return; // the lease expires and the proctor re-queues the task
        }

        Interlocked.Increment(ref accepted ? ref _completed : ref _refused);
        Write($"{outcome} {task.TaskId} attempt {task.Attempt} {(accepted ? "accepted" : "refused")}");
    }

    private async Task HeartbeatLoopAsync(TimeSpan interval, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                try
                {
                    if (!await client.HeartbeatAsync(_draining, RunningCount, stop))
                    {
                        await client.RegisterAsync(stop);
                    }
                }
                catch (HttpRequestException ex)
                {
                    Write($"heartbeat failed: {ex.Message}");
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task<T> RetryAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken stopping)
    {
        for (var delay = TimeSpan.FromMilliseconds(200); ; delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks)))
        {
            try
            {
                return await call(stopping);
            }
            catch (HttpRequestException ex)
            {
                Write($"service not reachable ({ex.Message}); retrying in {delay.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s");
                await Task.Delay(delay, stopping);
            }
        }
    }

    private void Write(string line)
    {
        lock (log)
        {
            log.WriteLine(line);
            log.Flush();
        }
    }
}
