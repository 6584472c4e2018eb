using LocalRuntime.Durable.Engine;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace LocalRuntime.Durable.Tests;

public class OrchestrationTests
{
    private static DurableFunctionRegistry Registry() => new DurableFunctionRegistry()
        .AddActivity<int, int>("AddOne", x => x + 1)
        .AddActivity<string, string>("Echo", s => s);

    [Fact]
    public async Task Sequence_ThreeActivities_ReturnsChainedResult()
    {
        var registry = Registry().AddOrchestrator("Seq", async ctx =>
        {
            var x = ctx.GetInput<int>();
            for (var i = 0; i < 3; i++)
            {
                x = await ctx.CallActivityAsync<int>("AddOne", x);
            }

            return x;
        });
        await using var host = await EngineHost.StartAsync(registry);

        var result = await host.RunAsync("Seq", 10);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, result.RuntimeStatus);
        Assert.Equal(13, result.ReadOutputAs<int>());
    }

    [Fact]
    public async Task FanOut_HundredActivities_SumsAllResults()
    {
        var registry = Registry().AddOrchestrator("Fan", async ctx =>
        {
            var tasks = Enumerable.Range(0, 100).Select(i => ctx.CallActivityAsync<int>("AddOne", i)).ToList();
            var results = await Task.WhenAll(tasks);
            return results.Sum();
        });
        await using var host = await EngineHost.StartAsync(registry);

        var result = await host.RunAsync("Fan");

        Assert.Equal(Enumerable.Range(1, 100).Sum(), result.ReadOutputAs<int>());
    }

    [Fact]
    public async Task ActivityFailure_NoRetry_FailsOrchestrationWithDetails()
    {
        var registry = new DurableFunctionRegistry()
            .AddActivity<int, int>("Boom", _ => throw new InvalidOperationException("kaput"))
            .AddOrchestrator("Orch", async ctx => await ctx.CallActivityAsync<int>("Boom", 1));
        await using var host = await EngineHost.StartAsync(registry);

        var result = await host.RunAsync("Orch");

        Assert.Equal(OrchestrationRuntimeStatus.Failed, result.RuntimeStatus);
        Assert.NotNull(result.FailureDetails);
        Assert.Equal(typeof(TaskFailedException).FullName, result.FailureDetails!.ErrorType);
        Assert.Equal("kaput", result.FailureDetails.InnerFailure!.ErrorMessage);
        Assert.True(result.FailureDetails.InnerFailure.IsCausedBy<InvalidOperationException>());
    }

    [Fact]
    public async Task CaughtTaskFailure_OrchestratorHandlesIt_Completes()
    {
        var registry = new DurableFunctionRegistry()
            .AddActivity<int, int>("Boom", _ => throw new InvalidOperationException("kaput"))
            .AddOrchestrator("Orch", async ctx =>
            {
                try
                {
                    await ctx.CallActivityAsync<int>("Boom", 1);
                    return "no";
                }
                catch (TaskFailedException ex) when (ex.FailureDetails.IsCausedBy<InvalidOperationException>())
                {
                    return "handled " + ex.TaskName;
                }
            });
        await using var host = await EngineHost.StartAsync(registry);

        var result = await host.RunAsync("Orch");

        Assert.Equal("handled Boom", result.ReadOutputAs<string>());
    }

    [Fact]
    public async Task UnknownOrchestrator_Fails_WithClearMessage()
    {
        await using var host = await EngineHost.StartAsync(Registry());

        var result = await host.RunAsync("Nope");

        Assert.Equal(OrchestrationRuntimeStatus.Failed, result.RuntimeStatus);
        Assert.Contains("'Nope' does not exist", result.FailureDetails!.ErrorMessage);
    }

    [Fact]
    public async Task ScheduleTwice_SameRunningId_Throws()
    {
        var registry = Registry().AddOrchestrator("Wait", async ctx => await ctx.WaitForExternalEvent<int>("go"));
        await using var host = await EngineHost.StartAsync(registry);
        await host.Client.ScheduleNewOrchestrationInstanceAsync("Wait", null, new StartOrchestrationOptions("same"));

        await Assert.ThrowsAsync<InstanceAlreadyExistsException>(() =>
            host.Client.ScheduleNewOrchestrationInstanceAsync("Wait", null, new StartOrchestrationOptions("same")));
        await host.Client.RaiseEventAsync("same", "go", 5);
        var done = await host.WaitAsync("same");
        Assert.Equal(5, done.ReadOutputAs<int>());
    }

    [Fact]
    public async Task ExternalEvent_RaisedBeforeWait_IsBuffered()
    {
        var registry = Registry().AddOrchestrator("Gate", async ctx =>
        {
            await ctx.CallActivityAsync<int>("AddOne", 1);
            var a = await ctx.WaitForExternalEvent<int>("Value");
            var b = await ctx.WaitForExternalEvent<int>("value");
            return a * 10 + b;
        });
        await using var host = await EngineHost.StartAsync(registry);
        var id = await host.Client.ScheduleNewOrchestrationInstanceAsync("Gate");
        await host.Client.RaiseEventAsync(id, "VALUE", 4);
        await host.Client.RaiseEventAsync(id, "Value", 2);

        var result = await host.WaitAsync(id);

        Assert.Equal(42, result.ReadOutputAs<int>());
    }

    [Fact]
    public async Task SubOrchestration_ReturnsChildOutput_AndChildFailurePropagates()
    {
        var registry = Registry()
            .AddOrchestrator("Child", async ctx => await ctx.CallActivityAsync<int>("AddOne", ctx.GetInput<int>()))
            .AddOrchestrator("BadChild", ctx => throw new InvalidOperationException("child broke"))
            .AddOrchestrator("Parent", async ctx =>
            {
                var a = await ctx.CallSubOrchestratorAsync<int>("Child", 1);
                var b = await ctx.CallSubOrchestratorAsync<int>("Child", 2, new SubOrchestrationOptions(instanceId: "fixed-child"));
                try
                {
                    await ctx.CallSubOrchestratorAsync("BadChild");
                }
                catch (TaskFailedException ex)
                {
                    return $"{a},{b},{ex.FailureDetails.ErrorMessage}";
                }

                return "unexpected";
            });
        await using var host = await EngineHost.StartAsync(registry);

        var result = await host.RunAsync("Parent", instanceId: "p1");

        Assert.Equal("2,3,child broke", result.ReadOutputAs<string>());
        var child = await host.Client.GetInstanceAsync("fixed-child", getInputsAndOutputs: true);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, child!.RuntimeStatus);
        Assert.Equal(3, child.ReadOutputAs<int>());
    }

    [Fact]
    public async Task ContinueAsNew_CountsDown_AndKeepsHistoryBounded()
    {
        var registry = Registry().AddOrchestrator("Loop", async ctx =>
        {
            var n = ctx.GetInput<int>();
            if (n == 0)
            {
                return "done";
            }

            await ctx.CallActivityAsync<int>("AddOne", n);
            ctx.ContinueAsNew(n - 1);
            return "continued";
        });
        await using var host = await EngineHost.StartAsync(registry);

        var result = await host.RunAsync("Loop", 20, instanceId: "loop");

        Assert.Equal("done", result.ReadOutputAs<string>());
        var history = await host.Engine.Store.GetHistoryAsync("loop");
        Assert.True(history.Count <= 4, $"history has {history.Count} events");
    }

    [Fact]
    public async Task CustomStatus_IsVisibleWhileRunning()
    {
        var registry = Registry().AddOrchestrator("Status", async ctx =>
        {
            ctx.SetCustomStatus(new { step = "waiting" });
            await ctx.WaitForExternalEvent<object>("go");
            return 1;
        });
        await using var host = await EngineHost.StartAsync(registry);
        var id = await host.Client.ScheduleNewOrchestrationInstanceAsync("Status");

        await Eventually(async () =>
        {
            var meta = await host.Client.GetInstanceAsync(id, getInputsAndOutputs: true);
            return meta?.SerializedCustomStatus == """{"step":"waiting"}""";
        });
        await host.Client.RaiseEventAsync(id, "go");
        Assert.Equal(OrchestrationRuntimeStatus.Completed, (await host.WaitAsync(id)).RuntimeStatus);
    }

    [Fact]
    public async Task Terminate_RunningInstance_IsTerminatedWithOutput()
    {
        var registry = Registry().AddOrchestrator("Forever", async ctx => await ctx.WaitForExternalEvent<int>("never"));
        await using var host = await EngineHost.StartAsync(registry);
        var id = await host.Client.ScheduleNewOrchestrationInstanceAsync("Forever");
        await host.Client.WaitForInstanceStartAsync(id);

        await host.Client.TerminateInstanceAsync(id, "stop now");
        var result = await host.WaitAsync(id);

        Assert.Equal(OrchestrationRuntimeStatus.Terminated, result.RuntimeStatus);
        Assert.Equal("stop now", result.ReadOutputAs<string>());
    }

    [Fact]
    public async Task SuspendResume_EventWhileSuspended_IsHeldThenApplied()
    {
        var registry = Registry().AddOrchestrator("Susp", async ctx => await ctx.WaitForExternalEvent<int>("go"));
        await using var host = await EngineHost.StartAsync(registry);
        var id = await host.Client.ScheduleNewOrchestrationInstanceAsync("Susp");
        await host.Client.WaitForInstanceStartAsync(id);

        await host.Client.SuspendInstanceAsync(id, "pause");
        await Eventually(async () => (await host.Client.GetInstanceAsync(id))!.RuntimeStatus == OrchestrationRuntimeStatus.Suspended);
        await host.Client.RaiseEventAsync(id, "go", 7);
        // Still suspended: the event is held, not applied.
        Assert.Equal(OrchestrationRuntimeStatus.Suspended, (await host.Client.GetInstanceAsync(id))!.RuntimeStatus);

        await host.Client.ResumeInstanceAsync(id, "continue");
        var result = await host.WaitAsync(id);
        Assert.Equal(7, result.ReadOutputAs<int>());
    }

    [Fact]
    public async Task NewGuid_IsDeterministicAcrossReplay()
    {
        var registry = Registry().AddOrchestrator("Guids", async ctx =>
        {
            var first = ctx.NewGuid();
            await ctx.CallActivityAsync<int>("AddOne", 1);
            var second = ctx.NewGuid();
            return $"{first}|{second}";
        });
        await using var host = await EngineHost.StartAsync(registry, options: new DurableEngineOptions { MaxCachedOrchestrations = 0 });

        var result = await host.RunAsync("Guids");

        var parts = result.ReadOutputAs<string>()!.Split('|');
        Assert.NotEqual(parts[0], parts[1]);
        Assert.Equal(2, parts.Distinct().Count());
    }

    internal static async Task Eventually(Func<Task<bool>> condition, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(10));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail("Condition not met before the deadline.");
            }

            await Task.Yield();
            await Task.Delay(5);
        }
    }
}
