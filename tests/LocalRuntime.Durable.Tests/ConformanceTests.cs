using LocalRuntime.Durable.Engine;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace LocalRuntime.Durable.Tests;

/// <summary>Retry policies, timers, events between instances and recursive terminate, on a fake clock.</summary>
public class ConformanceTests
{
    private static readonly DateTimeOffset Start = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static async Task<OrchestrationMetadata> AdvanceUntilDoneAsync(EngineHost host, FakeTimeProvider clock, string id, TimeSpan step)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            var meta = await host.Client.GetInstanceAsync(id, getInputsAndOutputs: true);
            if (meta is { IsCompleted: true })
            {
                return meta;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{id} did not finish");
            var stats = host.Engine.GetStatistics();
            if (stats.ActivityBacklog == 0 && stats.BusyActivityWorkers == 0 && stats.ReadyOrchestrations == 0 && stats.PendingTimers > 0)
            {
                clock.Advance(step); // only while the engine waits on a timer, so every delay is measured exactly
            }

            await Task.Delay(1);
        }
    }

    [Fact]
    public async Task RetryPolicy_ExactAttemptsAndBackoffIntervals()
    {
        var clock = new FakeTimeProvider(Start);
        var attempts = new List<DateTimeOffset>();
        var registry = new DurableFunctionRegistry()
            .AddActivity<int, int>("Flaky", _ =>
            {
                lock (attempts)
                {
                    attempts.Add(clock.GetUtcNow());
                }

                throw new InvalidOperationException("nope");
            })
            .AddOrchestrator("Retrying", async ctx => await ctx.CallActivityAsync<int>("Flaky", 1,
                TaskOptions.FromRetryPolicy(new RetryPolicy(4, TimeSpan.FromSeconds(10), backoffCoefficient: 2, maxRetryInterval: TimeSpan.FromSeconds(30)))));
        await using var host = await EngineHost.StartAsync(registry, time: clock);
        var id = await host.Client.ScheduleNewOrchestrationInstanceAsync("Retrying");

        var result = await AdvanceUntilDoneAsync(host, clock, id, TimeSpan.FromSeconds(1));

        Assert.Equal(OrchestrationRuntimeStatus.Failed, result.RuntimeStatus);
        Assert.Equal(4, attempts.Count);
        var gaps = attempts.Zip(attempts.Skip(1), (a, b) => (b - a).TotalSeconds).ToList();
        Assert.Equal([10, 20, 30], gaps.Select(g => Math.Round(g)));
    }

    [Fact]
    public async Task RetryPolicy_HandleFalse_DoesNotRetry_RetryTimeoutStopsEarly()
    {
        var clock = new FakeTimeProvider(Start);
        var calls = 0;
        var registry = new DurableFunctionRegistry()
            .AddActivity<int, int>("Flaky", _ =>
            {
                Interlocked.Increment(ref calls);
                throw new InvalidOperationException("nope");
            })
            .AddOrchestrator("NoHandle", async ctx => await ctx.CallActivityAsync<int>("Flaky", 1,
                TaskOptions.FromRetryPolicy(new RetryPolicy(5, TimeSpan.FromSeconds(1)) { Handle = _ => false })))
            .AddOrchestrator("Timeout", async ctx => await ctx.CallActivityAsync<int>("Flaky", 1,
                TaskOptions.FromRetryPolicy(new RetryPolicy(10, TimeSpan.FromSeconds(10), retryTimeout: TimeSpan.FromSeconds(25)))));
        await using var host = await EngineHost.StartAsync(registry, time: clock);

        var noHandle = await AdvanceUntilDoneAsync(host, clock, await host.Client.ScheduleNewOrchestrationInstanceAsync("NoHandle"), TimeSpan.FromSeconds(1));
        Assert.Equal(OrchestrationRuntimeStatus.Failed, noHandle.RuntimeStatus);
        Assert.Equal(1, calls);

        calls = 0;
        var timedOut = await AdvanceUntilDoneAsync(host, clock, await host.Client.ScheduleNewOrchestrationInstanceAsync("Timeout"), TimeSpan.FromSeconds(1));
        Assert.Equal(OrchestrationRuntimeStatus.Failed, timedOut.RuntimeStatus);
        Assert.Equal(3, calls); // at 0 s, 10 s, 20 s; a fourth at 30 s would pass the 25 s retry timeout
    }

    [Fact]
    public async Task DurableTimer_FiresOnlyWhenTheClockReachesIt()
    {
        var clock = new FakeTimeProvider(Start);
        var registry = new DurableFunctionRegistry().AddOrchestrator("Sleeper", async ctx =>
        {
            await ctx.CreateTimer(ctx.CurrentUtcDateTime.AddMinutes(10), CancellationToken.None);
            return ctx.CurrentUtcDateTime;
        });
        await using var host = await EngineHost.StartAsync(registry, time: clock);
        var id = await host.Client.ScheduleNewOrchestrationInstanceAsync("Sleeper");
        await host.Client.WaitForInstanceStartAsync(id);

        clock.Advance(TimeSpan.FromMinutes(9));
        Assert.Equal(OrchestrationRuntimeStatus.Running, (await host.Client.GetInstanceAsync(id))!.RuntimeStatus);
        clock.Advance(TimeSpan.FromMinutes(1));

        var done = await host.WaitAsync(id);
        Assert.True(done.ReadOutputAs<DateTime>() >= Start.UtcDateTime.AddMinutes(10));
    }

    [Fact]
    public async Task WaitForExternalEvent_Timeout_ThrowsTaskCanceled()
    {
        var clock = new FakeTimeProvider(Start);
        var registry = new DurableFunctionRegistry().AddOrchestrator("Waiter", async ctx =>
        {
            try
            {
                await ctx.WaitForExternalEvent<int>("never", TimeSpan.FromMinutes(5));
                return "event";
            }
            catch (TaskCanceledException)
            {
                return "timeout";
            }
        });
        await using var host = await EngineHost.StartAsync(registry, time: clock);
        var id = await host.Client.ScheduleNewOrchestrationInstanceAsync("Waiter");
        await host.Client.WaitForInstanceStartAsync(id);

        clock.Advance(TimeSpan.FromMinutes(5));

        Assert.Equal("timeout", (await host.WaitAsync(id)).ReadOutputAs<string>());
    }

    [Fact]
    public async Task SendEvent_BetweenInstances_IsDelivered()
    {
        var registry = new DurableFunctionRegistry()
            .AddOrchestrator("Receiver", async ctx => await ctx.WaitForExternalEvent<string>("ping"))
            .AddOrchestrator("Sender", new OrchestratorFunction(ctx =>
            {
                ctx.SendEvent("receiver-1", "ping", "hello from sender");
                return Task.FromResult<object?>("sent");
            }));
        await using var host = await EngineHost.StartAsync(registry);
        await host.Client.ScheduleNewOrchestrationInstanceAsync("Receiver", null, new StartOrchestrationOptions("receiver-1"));
        await host.Client.WaitForInstanceStartAsync("receiver-1");

        await host.RunAsync("Sender");

        Assert.Equal("hello from sender", (await host.WaitAsync("receiver-1")).ReadOutputAs<string>());
    }

    [Fact]
    public async Task Terminate_Parent_TerminatesRunningSubOrchestrations()
    {
        var registry = new DurableFunctionRegistry()
            .AddOrchestrator("Child", async ctx => await ctx.WaitForExternalEvent<int>("never"))
            .AddOrchestrator("Parent", async ctx => await ctx.CallSubOrchestratorAsync<int>("Child", null, new SubOrchestrationOptions(instanceId: "the-child")));
        await using var host = await EngineHost.StartAsync(registry);
        var id = await host.Client.ScheduleNewOrchestrationInstanceAsync("Parent");
        await OrchestrationTests.Eventually(async () => (await host.Client.GetInstanceAsync("the-child"))?.RuntimeStatus == OrchestrationRuntimeStatus.Running);

        await host.Client.TerminateInstanceAsync(id, "stop");

        Assert.Equal(OrchestrationRuntimeStatus.Terminated, (await host.WaitAsync(id)).RuntimeStatus);
        Assert.Equal(OrchestrationRuntimeStatus.Terminated, (await host.WaitAsync("the-child")).RuntimeStatus);
    }

    [Fact]
    public async Task WaitingOnFinishedInstances_LeavesNoWaiterBehind_WhileLiveWaitersStillWake()
    {
        var registry = new DurableFunctionRegistry()
            .AddOrchestrator<int>("Quick", _ => Task.FromResult(1))
            .AddOrchestrator("Gate", async ctx => await ctx.WaitForExternalEvent<int>("go"));
        await using var host = await EngineHost.StartAsync(registry);
        var finished = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            finished.Add((await host.RunAsync("Quick")).InstanceId);
        }

        var gate = await host.Client.ScheduleNewOrchestrationInstanceAsync("Gate");
        var waiting = host.WaitAsync(gate);
        foreach (var id in finished)
        {
            await host.WaitAsync(id); // already complete: returns at once
            await host.Client.WaitForInstanceStartAsync(id);
        }

        // Only the live instance may still have a waiter; a finished one never changes again.
        Assert.InRange(host.Engine.StateChangeWaiterCount, 0, 1);
        await host.Client.RaiseEventAsync(gate, "go", 7);
        Assert.Equal(7, (await waiting).ReadOutputAs<int>());
        Assert.Equal(0, host.Engine.StateChangeWaiterCount);
    }

    [Fact]
    public async Task ReplaySafeLogger_LogsOncePerStatement_EvenWhenEveryEpisodeReplays()
    {
        var provider = new CountingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(provider));
        var registry = new DurableFunctionRegistry()
            .AddActivity<int, int>("AddOne", x => x + 1)
            .AddOrchestrator("Logged", async ctx =>
            {
                var log = ctx.CreateReplaySafeLogger("orchestration");
                log.LogInformation("step 1");
                var x = await ctx.CallActivityAsync<int>("AddOne", 1);
                log.LogInformation("step 2");
                x = await ctx.CallActivityAsync<int>("AddOne", x);
                log.LogInformation("step 3");
                return x;
            });
        var engine = new DurableEngine(new Stores.InMemoryDurableStore(), registry, new DurableEngineOptions { MaxCachedOrchestrations = 0 }, null, factory);
        await engine.StartAsync();
        await using (engine)
        {
            var id = await engine.Client.ScheduleNewOrchestrationInstanceAsync("Logged");
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await engine.Client.WaitForInstanceCompletionAsync(id, cancellation: cts.Token);
        }

        Assert.Equal(["step 1", "step 2", "step 3"], provider.Messages("orchestration"));
    }

    private sealed class CountingLoggerProvider : ILoggerProvider
    {
        private readonly List<(string Category, string Message)> _messages = [];

        public IReadOnlyList<string> Messages(string category)
        {
            lock (_messages)
            {
                return [.. _messages.Where(m => m.Category == category).Select(m => m.Message)];
            }
        }

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(CountingLoggerProvider owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                lock (owner._messages)
                {
                    owner._messages.Add((category, formatter(state, exception)));
                }
            }
        }
    }
}
