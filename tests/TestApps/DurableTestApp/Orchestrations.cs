using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Entities;

namespace DurableTestApp;

/// <summary>One activity's input: which instance and which item.</summary>
public sealed record WorkItem(string InstanceId, int Index);

/// <summary>Orchestrators covering the Durable features the host must dispatch.</summary>
public static class Orchestrations
{
    /// <summary>Three activities in sequence.</summary>
    [Function(nameof(Hello))]
    public static async Task<List<string>> Hello([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var name = context.GetInput<string>() ?? "world";
        return
        [
            await context.CallActivityAsync<string>(nameof(Activities.Say), $"{name} 1"),
            await context.CallActivityAsync<string>(nameof(Activities.Say), $"{name} 2"),
            await context.CallActivityAsync<string>(nameof(Activities.Say), $"{name} 3"),
        ];
    }

    /// <summary>Fans out <c>n</c> activities at once and sums their results (index squared each).</summary>
    [Function(nameof(FanOut))]
    public static async Task<long> FanOut([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var n = context.GetInput<int>();
        var tasks = new List<Task<long>>(n);
        for (var i = 0; i < n; i++)
        {
            tasks.Add(context.CallActivityAsync<long>(nameof(Activities.Work), new WorkItem(context.InstanceId, i)));
        }

        var results = await Task.WhenAll(tasks);
        return results.Sum();
    }

    /// <summary>A chain of <c>n</c> activities, each after the previous one.</summary>
    [Function(nameof(Chain))]
    public static async Task<long> Chain([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var n = context.GetInput<int>();
        long sum = 0;
        for (var i = 0; i < n; i++)
        {
            sum += await context.CallActivityAsync<long>(nameof(Activities.Work), new WorkItem(context.InstanceId, i));
        }

        return sum;
    }

    /// <summary>Waits on a durable timer of <c>seconds</c> (from the orchestration's clock), then returns the times it saw.</summary>
    [Function(nameof(Timer))]
    public static async Task<string[]> Timer([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var seconds = context.GetInput<int>();
        var before = context.CurrentUtcDateTime;
        await context.CreateTimer(before.AddSeconds(seconds), CancellationToken.None);
        var after = context.CurrentUtcDateTime;
        await context.CallActivityAsync<string>(nameof(Activities.Say), "after timer");
        return [before.ToString("O"), after.ToString("O")];
    }

    /// <summary>Waits for the event <c>approval</c> and returns its payload.</summary>
    [Function(nameof(WaitForApproval))]
    public static async Task<string> WaitForApproval([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.SetCustomStatus("waiting");
        var approval = await context.WaitForExternalEvent<string>("approval");
        return $"approved: {approval}";
    }

    /// <summary>Runs <see cref="Hello"/> as a sub-orchestration twice.</summary>
    [Function(nameof(Parent))]
    public static async Task<int> Parent([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var a = await context.CallSubOrchestratorAsync<List<string>>(nameof(Hello), "a", new SubOrchestrationOptions((TaskRetryOptions?)null, $"{context.InstanceId}-a"));
        var b = await context.CallSubOrchestratorAsync<List<string>>(nameof(Hello), "b");
        return a.Count + b.Count;
    }

    /// <summary>Counts down by continuing as new.</summary>
    [Function(nameof(Countdown))]
    public static async Task<string> Countdown([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var n = context.GetInput<int>();
        if (n <= 0)
        {
            return "done";
        }

        await context.CallActivityAsync<string>(nameof(Activities.Say), $"tick {n}");
        context.ContinueAsNew(n - 1);
        return "continued";
    }

    /// <summary>Calls an activity that always throws, with 3 attempts, and reports what it caught.</summary>
    [Function(nameof(RetryThenFail))]
    public static async Task<string> RetryThenFail([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var options = TaskOptions.FromRetryPolicy(new RetryPolicy(3, TimeSpan.FromMilliseconds(10)));
        try
        {
            await context.CallActivityAsync(nameof(Activities.Fail), context.InstanceId, options);
            return "no failure";
        }
        catch (TaskFailedException ex)
        {
            return $"{ex.FailureDetails.ErrorType}|{ex.FailureDetails.ErrorMessage}";
        }
    }

    /// <summary>Throws after one activity: the instance fails with the exception.</summary>
    [Function(nameof(Throws))]
    public static async Task<string> Throws([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        await context.CallActivityAsync<string>(nameof(Activities.Say), "before");
        throw new InvalidOperationException("orchestrator gave up");
    }

    /// <summary>Adds to a counter entity <c>n</c> times by calls, then reads it.</summary>
    [Function(nameof(CountWithEntity))]
    public static async Task<int> CountWithEntity([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var n = context.GetInput<int>();
        var counter = new EntityInstanceId(nameof(Counter), context.InstanceId);
        for (var i = 0; i < n; i++)
        {
            await context.Entities.CallEntityAsync(counter, "add", 1);
        }

        return await context.Entities.CallEntityAsync<int>(counter, "get");
    }
}
