using LocalRuntime.Durable.Engine;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Time.Testing;

namespace LocalRuntime.Durable.Tests;

/// <summary>The activity pool and the work queue under it.</summary>
public class ActivityPoolTests
{
    /// <summary>
    /// Regression: the pool grew only when no worker was idle, so a burst queued faster than the one idle
    /// worker woke (a fan-out) ran on that single worker. Activities that each wait until all of them have
    /// started can only finish if the pool really grows.
    /// </summary>
    [Fact]
    public async Task FanOut_BurstOfActivities_RunsThemConcurrently()
    {
        const int width = 4;
        var started = 0;
        var allStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var registry = new DurableFunctionRegistry()
            .AddActivity("Rendezvous", async (_, cancellation) =>
            {
                if (Interlocked.Increment(ref started) == width)
                {
                    allStarted.TrySetResult();
                }

                await allStarted.Task.WaitAsync(cancellation);
                return "1";
            })
            .AddOrchestrator("Fan", async ctx =>
            {
                var tasks = Enumerable.Range(0, width).Select(_ => ctx.CallActivityAsync<int>("Rendezvous")).ToList();
                return (await Task.WhenAll(tasks)).Sum();
            });
        await using var host = await EngineHost.StartAsync(registry, options: new DurableEngineOptions { MaxConcurrentActivityFunctions = width });
        await EventuallyAsync(() => host.Engine.GetStatistics() is { ActivityWorkers: 1, BusyActivityWorkers: 0 }); // the burst meets one idle worker

        var result = await host.RunAsync("Fan", timeout: TimeSpan.FromSeconds(20));

        Assert.Equal(OrchestrationRuntimeStatus.Completed, result.RuntimeStatus);
        Assert.Equal(width, result.ReadOutputAs<int>());
    }

    private static async Task EventuallyAsync(Func<bool> condition)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            deadline.Token.ThrowIfCancellationRequested();
            await Task.Yield();
        }
    }

    [Fact]
    public async Task WorkQueue_ItemWritten_WakesOneIdleWaiter()
    {
        var queue = new WorkQueue<int>();
        using var first = new WorkQueue<int>.Waiter(queue, TimeProvider.System, Timeout.InfiniteTimeSpan);
        using var second = new WorkQueue<int>.Waiter(queue, TimeProvider.System, Timeout.InfiniteTimeSpan);
        var a = queue.WaitAsync(first).AsTask();
        var b = queue.WaitAsync(second).AsTask();

        Assert.True(queue.TryWrite(7));
        var woken = await Task.WhenAny(a, b);

        Assert.True(await woken);
        Assert.False(a.IsCompleted && b.IsCompleted);
        Assert.True(queue.TryRead(out var item));
        Assert.Equal(7, item);
        queue.Complete();
        Assert.False(await (woken == a ? b : a));
    }

    [Fact]
    public async Task WorkQueue_IdleTimeoutOnClock_EndsWaitWithFalse()
    {
        var time = new FakeTimeProvider();
        var queue = new WorkQueue<int>();
        using var waiter = new WorkQueue<int>.Waiter(queue, time, TimeSpan.FromSeconds(10));
        var wait = queue.WaitAsync(waiter).AsTask();

        time.Advance(TimeSpan.FromSeconds(9));
        Assert.False(wait.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));

        Assert.False(await wait);
        Assert.True(queue.TryWrite(1)); // no idle waiter left to wake; the item waits for the next reader
        Assert.True(await queue.WaitAsync(waiter));
    }

    [Fact]
    public async Task WorkQueue_Completed_ReportsItemsLeftThenFinished()
    {
        var queue = new WorkQueue<int>();
        using var waiter = new WorkQueue<int>.Waiter(queue, TimeProvider.System, Timeout.InfiniteTimeSpan);
        queue.TryWrite(1);
        queue.Complete();

        Assert.False(queue.TryWrite(2));
        Assert.True(await queue.WaitAsync(waiter));
        Assert.True(queue.TryRead(out _));
        Assert.False(await queue.WaitAsync(waiter));
    }
}
