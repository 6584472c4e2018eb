using Microsoft.CodeAnalysis.Testing;
using static ServerlessTasks.Analyzers.Tests.Snippets;

namespace ServerlessTasks.Analyzers.Tests;

/// <summary>
/// STO0001-STO0003 on deliberately broken orchestrators (directly, in helpers that take the context, in helpers that
/// do not, in types that hold it) and on the same code where it is not orchestrator code (activities, client functions).
/// Snippet lines count from 1 after the <see cref="Snippets.Usings"/> (9 lines).
/// </summary>
public class OrchestratorSchedulerAnalyzerTests
{
    private const string Activity = """
        public static class Work
        {
            [Function(nameof(Work))]
            public static int Run([ActivityTrigger] int input) => input;
        }

        """;

    [Fact]
    public async Task ConfigureAwait_FalseInOrchestratorFunction_ReportsSTO0001()
    {
        await VerifyOursAsync(Activity + """
            public static class Orchestrator
            {
                [Function(nameof(Orchestrator))]
                public static async Task<int> RunAsync([OrchestrationTrigger] TaskOrchestrationContext context)
                {
                    return await context.CallActivityAsync<int>(nameof(Work), 1).{|#0:ConfigureAwait(false)|};
                }
            }
            """,
            new DiagnosticResult(OrchestratorRules.ConfigureAwait).WithLocation(0)
                .WithArguments("ConfigureAwait(false)", "Orchestrator.RunAsync(TaskOrchestrationContext)", "it takes a TaskOrchestrationContext"));
    }

    [Fact]
    public async Task ConfigureAwait_FalseInHelperTakingTheContext_ReportsSTO0001()
    {
        await VerifyOursAsync(Activity + """
            public static class Orchestrator
            {
                [Function(nameof(Orchestrator))]
                public static Task<int> RunAsync([OrchestrationTrigger] TaskOrchestrationContext context) => Steps.RunAsync(context);
            }

            public static class Steps
            {
                public static async Task<int> RunAsync(TaskOrchestrationContext context)
                {
                    var first = await context.CallActivityAsync<int>(nameof(Work), 1).{|STO0001:ConfigureAwait(false)|};
                    return first + await context.CallActivityAsync<int>(nameof(Work), 2);
                }
            }
            """);
    }

    [Fact]
    public async Task ConfigureAwait_FalseInHelperWithoutContextCalledFromOrchestrator_ReportsSTO0001ReachedFromCaller()
    {
        // Like CompletionQueue: the helper never sees the context, but its awaits run on the orchestration.
        await VerifyOursAsync(Activity + """
            public sealed class Waiter
            {
                public async Task<T> NextAsync<T>(Task<T> task) => await task.{|#0:ConfigureAwait(false)|};
            }

            public static class Orchestrator
            {
                [Function(nameof(Orchestrator))]
                public static async Task<int> RunAsync([OrchestrationTrigger] TaskOrchestrationContext context)
                {
                    var waiter = new Waiter();
                    return await waiter.NextAsync(context.CallActivityAsync<int>(nameof(Work), 1));
                }
            }
            """,
            new DiagnosticResult(OrchestratorRules.ConfigureAwait).WithLocation(0)
                .WithArguments("ConfigureAwait(false)", "Waiter.NextAsync<T>(Task<T>)", "reached from 'Orchestrator.RunAsync(TaskOrchestrationContext)'"));
    }

    [Fact]
    public async Task ConfigureAwait_FalseTwoCallsDeepThroughMethodGroupAndConstructor_ReportsEach()
    {
        await VerifyOursAsync(Activity + """
            public sealed class Chunk
            {
                private readonly Task _ready;

                public Chunk() => _ready = Task.{|STO0002:Run(() => { })|};

                public static async Task<int> StartAsync(Task<int> work)
                {
                    await new Chunk()._ready;
                    return await work.{|STO0001:ConfigureAwait(false)|};
                }
            }

            public static class Orchestrator
            {
                [Function(nameof(Orchestrator))]
                public static async Task<int> RunAsync([OrchestrationTrigger] TaskOrchestrationContext context)
                {
                    var work = new[] { 1, 2 }.Select(i => context.CallActivityAsync<int>(nameof(Work), i)).Select(Chunk.StartAsync);
                    return (await Task.WhenAll(work)).Sum();
                }
            }
            """);
    }

    [Fact]
    public async Task ConfigureAwait_InTypeHoldingTheContext_ReportsInEveryMember()
    {
        await VerifyOursAsync(Activity + """
            public sealed class Run(TaskOrchestrationContext context)
            {
                public async Task<int> StepAsync() => await context.CallActivityAsync<int>(nameof(Work), 1).{|STO0001:ConfigureAwait(false)|};
            }

            public sealed class HeldRun
            {
                private readonly TaskOrchestrationContext _context;

                public HeldRun(TaskOrchestrationContext context) => _context = context;

                public async Task<int> StepAsync() => await _context.CallActivityAsync<int>(nameof(Work), 1).{|STO0001:ConfigureAwait(false)|};
            }
            """);
    }

    [Fact]
    public async Task ConfigureAwait_NonConstantOrOptionsWithoutCapturedContext_ReportsSTO0001()
    {
        await VerifyOursAsync(Activity + """
            public static class Orchestrator
            {
                public static async Task RunAsync(TaskOrchestrationContext context, bool capture)
                {
                    await context.CallActivityAsync(nameof(Work), 1).{|STO0001:ConfigureAwait(capture)|};
                    await context.CallActivityAsync(nameof(Work), 2).{|STO0001:ConfigureAwait(ConfigureAwaitOptions.None)|};
                    await context.CallActivityAsync(nameof(Work), 3).{|STO0001:ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing)|};
                    await new ValueTask(context.CallActivityAsync(nameof(Work), 4)).{|STO0001:ConfigureAwait(false)|};
                    await foreach (var i in Numbers().{|STO0001:ConfigureAwait(false)|})
                    {
                    }
                }

                private static async IAsyncEnumerable<int> Numbers()
                {
                    yield return 1;
                    await Task.CompletedTask;
                }
            }
            """);
    }

    [Fact]
    public async Task ConfigureAwait_TrueOrOptionsContinuingOnCapturedContext_NoDiagnostic()
    {
        await VerifyOursAsync(Activity + """
            public static class Orchestrator
            {
                [Function(nameof(Orchestrator))]
                public static async Task RunAsync([OrchestrationTrigger] TaskOrchestrationContext context)
                {
                    await context.CallActivityAsync(nameof(Work), 1).ConfigureAwait(true);
                    await context.CallActivityAsync(nameof(Work), 2).ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext);
                    await context.CallActivityAsync(nameof(Work), 3).ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext | ConfigureAwaitOptions.SuppressThrowing);
                    await context.CallActivityAsync(nameof(Work), 4);
                }
            }
            """);
    }

    [Fact]
    public async Task TaskRun_InOrchestrator_ReportsSTO0002()
    {
        await VerifyOursAsync(Activity + """
            public static class Orchestrator
            {
                [Function(nameof(Orchestrator))]
                public static async Task<int> RunAsync([OrchestrationTrigger] TaskOrchestrationContext context)
                {
                    return await Task.{|#0:Run(() => context.CallActivityAsync<int>(nameof(Work), 1))|};
                }
            }
            """,
            new DiagnosticResult(OrchestratorRules.OtherSchedulerWork).WithLocation(0)
                .WithArguments("Task.Run", "Orchestrator.RunAsync(TaskOrchestrationContext)", "it takes a TaskOrchestrationContext"));
    }

    [Fact]
    public async Task ContinueWith_OnTaskSchedulerDefault_ReportsSTO0003ForBoth()
    {
        await VerifyOursAsync(Activity + """
            public static class Orchestrator
            {
                [Function(nameof(Orchestrator))]
                public static async Task<int> RunAsync([OrchestrationTrigger] TaskOrchestrationContext context)
                {
                    var work = context.CallActivityAsync<int>(nameof(Work), 1);
                    return await work.{|#0:ContinueWith(t => t.Result + 1, {|#1:TaskScheduler.Default|})|};
                }
            }
            """,
            new DiagnosticResult(OrchestratorRules.OtherSchedulerContinuation).WithLocation(0)
                .WithArguments("Task.ContinueWith", "Orchestrator.RunAsync(TaskOrchestrationContext)", "it takes a TaskOrchestrationContext"),
            new DiagnosticResult(OrchestratorRules.OtherSchedulerContinuation).WithLocation(1)
                .WithArguments("TaskScheduler.Default", "Orchestrator.RunAsync(TaskOrchestrationContext)", "it takes a TaskOrchestrationContext"));
    }

    [Fact]
    public async Task OtherHops_InOrchestratorHelpers_ReportEach()
    {
        await VerifyOursAsync(Activity + """
            public static class Orchestrator
            {
                [Function(nameof(Orchestrator))]
                public static async Task RunAsync([OrchestrationTrigger] TaskOrchestrationContext context)
                {
                    await Task.{|STO0003:Yield()|};
                    await Task.Factory.{|STO0002:StartNew(() => { })|};
                    await Task.Factory.{|STO0003:ContinueWhenAll(new[] { Task.CompletedTask }, _ => { })|};
                    await Parallel.{|STO0002:ForEachAsync(new[] { 1 }, (i, ct) => ValueTask.CompletedTask)|};
                    ThreadPool.{|STO0002:QueueUserWorkItem(_ => { })|};
                    new Thread(() => { }).{|STO0002:Start()|};
                    new Task(() => { }).{|STO0002:Start()|};
                    using var timer = {|STO0002:new Timer(_ => { }, null, 0, 1)|};
                    Local();

                    void Local() => Parallel.{|STO0002:Invoke(() => { })|};
                }
            }
            """);
    }

    [Fact]
    public async Task Hops_InInterfaceMethodAndPropertyImplementationsReachedFromOrchestrator_Reported()
    {
        await VerifyOursAsync(Activity + """
            public interface IStep
            {
                Task Ready { get; }

                Task RunAsync();
            }

            public sealed class SlowStep : IStep
            {
                public Task Ready => Task.CompletedTask.{|STO0003:ContinueWith(_ => { })|};

                public async Task RunAsync() => await Task.CompletedTask.{|STO0001:ConfigureAwait(false)|};
            }

            public static class Orchestrator
            {
                [Function(nameof(Orchestrator))]
                public static async Task RunAsync([OrchestrationTrigger] TaskOrchestrationContext context)
                {
                    IStep step = new SlowStep();
                    await step.Ready;
                    await step.RunAsync();
                }
            }
            """);
    }

    [Fact]
    public async Task ClassBasedOrchestrator_ConfigureAwaitFalse_ReportsSTO0001()
    {
        await VerifyOursAsync(Activity + """
            public sealed class Orchestrator : TaskOrchestrator<int, int>
            {
                public override async Task<int> RunAsync(TaskOrchestrationContext context, int input) =>
                    await context.CallActivityAsync<int>(nameof(Work), input).{|STO0001:ConfigureAwait(false)|};
            }
            """);
    }

    [Fact]
    public async Task SameCode_InActivityClientFunctionAndUnreachedHelper_NoDiagnostic()
    {
        // The orchestrator names the activity (nameof) and schedules it: that does not run the activity's code here.
        await VerifyOursAsync("""
            public static class Activities
            {
                [Function(nameof(Fetch))]
                public static async Task<int> Fetch([ActivityTrigger] int input)
                {
                    await Task.Delay(1).ConfigureAwait(false);
                    await Task.Run(() => { });
                    await Task.Yield();
                    await Parallel.ForEachAsync(new[] { input }, (i, ct) => ValueTask.CompletedTask);
                    return await Task.FromResult(input).ContinueWith(t => t.Result, TaskScheduler.Default).ConfigureAwait(false);
                }
            }

            public static class Starter
            {
                [Function(nameof(Starter))]
                public static async Task<string> StartAsync([ActivityTrigger] string name, [DurableClient] DurableTaskClient client) =>
                    await client.ScheduleNewOrchestrationInstanceAsync(nameof(Orchestrator)).ConfigureAwait(false);
            }

            public static class Helpers
            {
                public static Task Background() => Task.Run(() => { });
            }

            public static class Orchestrator
            {
                [Function(nameof(Orchestrator))]
                public static async Task<int> RunAsync([OrchestrationTrigger] TaskOrchestrationContext context) =>
                    await context.CallActivityAsync<int>(nameof(Activities.Fetch), 1);
            }
            """);
    }

    [Fact]
    public async Task LambdaTakingTheContext_InRegistrationCode_ReportsOnlyInsideTheLambda()
    {
        await VerifyOursAsync("""
            public static class Registration
            {
                public static async Task<Func<TaskOrchestrationContext, Task<int>>> CreateAsync()
                {
                    await Task.Run(() => { }).ConfigureAwait(false); // registration code, not orchestrator code
                    return async context => await context.CallActivityAsync<int>("Work").{|STO0001:ConfigureAwait(false)|};
                }
            }
            """);
    }

    [Fact]
    public async Task Compilation_WithoutDurableTaskSdk_NoDiagnostic()
    {
        await VerifyOursAsync("""
            public static class Plain
            {
                public static async Task RunAsync() => await Task.Run(() => { }).ConfigureAwait(false);
            }
            """);
    }
}
