using static ServerlessTasks.Analyzers.Tests.Snippets;

namespace ServerlessTasks.Analyzers.Tests;

/// <summary>
/// What Microsoft.DurableTask.Analyzers 1.28.0 catches and misses, run on snippets: the reasons STO0001-STO0003 exist.
/// Its rules start at [Function] methods with an [OrchestrationTrigger] parameter (and ITaskOrchestrator classes,
/// AddOrchestratorFunc lambdas) and follow direct calls to methods declared in the compilation, nothing else.
/// </summary>
public class MicrosoftRulesCoverageTests
{
    private const string Activity = """
        public static class Work
        {
            [Function(nameof(Work))]
            public static int Run([ActivityTrigger] int input) => input;
        }

        """;

    [Fact]
    public async Task MicrosoftRules_ConfigureAwaitFalseInOrchestrator_ReportNothing()
    {
        await VerifyMicrosoftAsync(Activity + """
            public static class Orchestrator
            {
                [Function(nameof(Orchestrator))]
                public static async Task<int> RunAsync([OrchestrationTrigger] TaskOrchestrationContext context)
                {
                    await context.CallActivityAsync<int>(nameof(Work), 1).ConfigureAwait(false);
                    return await context.CallActivityAsync<int>(nameof(Work), 2).ConfigureAwait(ConfigureAwaitOptions.None);
                }
            }
            """);
    }

    [Fact]
    public async Task MicrosoftRules_SchedulerHopsOtherThanRunStartNewContinueWith_ReportNothing()
    {
        await VerifyMicrosoftAsync(Activity + """
            public static class Orchestrator
            {
                [Function(nameof(Orchestrator))]
                public static async Task RunAsync([OrchestrationTrigger] TaskOrchestrationContext context)
                {
                    var scheduler = TaskScheduler.Default;
                    await Task.Yield();
                    await Parallel.ForEachAsync(new[] { 1 }, (i, ct) => ValueTask.CompletedTask);
                    ThreadPool.QueueUserWorkItem(_ => { });
                    new Task(() => { }).Start(scheduler);
                    await Task.Factory.ContinueWhenAll(new[] { Task.CompletedTask }, _ => { });
                    using var timer = new Timer(_ => { }, null, 0, 1);
                }
            }
            """);
    }

    [Fact]
    public async Task MicrosoftRules_TaskRunStartNewContinueWithThreadStart_ReportDURABLE0004()
    {
        await VerifyMicrosoftAsync(Activity + """
            public static class Orchestrator
            {
                [Function(nameof(Orchestrator))]
                public static async Task RunAsync([OrchestrationTrigger] TaskOrchestrationContext context)
                {
                    await {|DURABLE0004:Task.Run(() => { })|};
                    await {|DURABLE0004:Task.Factory.StartNew(() => { })|};
                    await {|DURABLE0004:context.CallActivityAsync<int>(nameof(Work), 1).ContinueWith(t => t.Result, TaskScheduler.Default)|};
                    {|DURABLE0004:new Thread(() => { }).Start()|};
                }
            }
            """);
    }

    [Fact]
    public async Task MicrosoftRules_WallClockInHelperCalledFromOrchestrator_ReportDURABLE0001()
    {
        await VerifyMicrosoftAsync(Activity + """
            public static class Clock
            {
                public static DateTime Now() => {|DURABLE0001:DateTime.UtcNow|};
            }

            public static class Orchestrator
            {
                [Function(nameof(Orchestrator))]
                public static Task<int> RunAsync([OrchestrationTrigger] TaskOrchestrationContext context) =>
                    context.CallActivityAsync<int>(nameof(Work), Clock.Now().Second);
            }
            """);
    }

    [Fact]
    public async Task MicrosoftRules_ViolationsInConstructorPropertyMethodGroupOrInterfaceCall_ReportNothing()
    {
        // Orchestrator code all the same: each of these runs on the orchestration when the orchestrator runs.
        await VerifyMicrosoftAsync(Activity + """
            public interface IStep
            {
                Task RunAsync();
            }

            public sealed class Step : IStep
            {
                public Step() => Created = DateTime.UtcNow;

                public DateTime Created { get; }

                public Guid Id => Guid.NewGuid();

                public Task RunAsync() => Task.Run(() => { });

                public static Task<int> LaterAsync(int i) => Task.Run(() => i);
            }

            public static class Orchestrator
            {
                [Function(nameof(Orchestrator))]
                public static async Task<int> RunAsync([OrchestrationTrigger] TaskOrchestrationContext context)
                {
                    IStep step = new Step();
                    await step.RunAsync();
                    var all = await Task.WhenAll(new[] { 1, 2 }.Select(Step.LaterAsync));
                    return all.Sum() + ((Step)step).Id.GetHashCode();
                }
            }
            """);
    }
}
