using System.Globalization;
using System.Text.Json;
using Microsoft.Azure.Functions.Worker;
using ServerlessTasks.Functions.Contracts;

namespace ServerlessTasks.Activities;

/// <summary>
/// The <c>fail</c> task type, for demos and tests: attempts up to <c>fail_times</c> throw (all of them when
/// absent), later ones succeed and return the attempt number.
/// </summary>
public sealed class FailActivity(Events.HostClock clock)
{
    /// <summary>The activity function.</summary>
    [Function(nameof(FailActivity))]
    public Task<Events.TaskActivityResult> Run([ActivityTrigger] TaskInvocation invocation)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        return clock.RunAsync(invocation.Hlc, () => Task.FromResult<JsonElement?>(Execute(invocation)));
    }

    private static JsonElement Execute(TaskInvocation invocation)
    {
        var failTimes = TaskPayload.GetDouble(invocation.Payload, "fail_times") ?? double.PositiveInfinity;
        if (invocation.Attempt <= failTimes)
        {
            var message = TaskPayload.GetString(invocation.Payload, "message") ?? "deliberate failure";
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"{message} (attempt {invocation.Attempt})"));
        }

        return JsonSerializer.SerializeToElement(new { succeeded_on_attempt = invocation.Attempt });
    }
}
