using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace HostTestApp;

/// <summary>Activities invoked directly through IFunctionsHost.InvokeAsync (activityTrigger input = a JSON string).</summary>
public static class ActivityFunctions
{
    /// <summary>The trivial activity: the ceiling Durable's figures are compared to.</summary>
    [Function(nameof(EchoActivity))]
    public static string EchoActivity([ActivityTrigger] string input) => input;

    /// <summary>An activity that throws.</summary>
    [Function(nameof(FailingActivity))]
    public static string FailingActivity([ActivityTrigger] string input) => throw new InvalidOperationException($"FailingActivity failed for {input}");

    /// <summary>An activity that waits until cancelled (for in-flight failure tests), up to a minute; logs when it starts.</summary>
    [Function(nameof(SlowActivity))]
    public static async Task<string> SlowActivity([ActivityTrigger] string input, FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.GetLogger("HostTestApp.SlowActivity").LogWarning("SlowActivity started {Input}", input);
        await Task.Delay(TimeSpan.FromMinutes(1), context.CancellationToken);
        return input;
    }
}
