using System.Text.Json;
using Microsoft.Azure.Functions.Worker;
using ServerlessTasks.Functions.Contracts;

namespace ServerlessTasks.Activities;

/// <summary>The <c>echo</c> task type: returns its payload. Idempotent by nature.</summary>
public sealed class EchoActivity(Events.HostClock clock)
{
    /// <summary>The activity function.</summary>
    [Function(nameof(EchoActivity))]
    public Task<Events.TaskActivityResult> Run([ActivityTrigger] TaskInvocation invocation)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        return clock.RunAsync(invocation.Hlc, () => Task.FromResult<JsonElement?>(Execute(invocation)));
    }

    private static JsonElement? Execute(TaskInvocation invocation)
    {
        return invocation.Payload;
    }
}
