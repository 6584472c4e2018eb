using System.Text.Json;
using Microsoft.Azure.Functions.Worker;
using ServerlessTasks.Functions.Contracts;

namespace ServerlessTasks.Activities;

/// <summary>The <c>echo</c> task type: returns its payload. Idempotent by nature.</summary>
public static class EchoActivity
{
    /// <summary>The activity function.</summary>
    [Function(nameof(EchoActivity))]
    public static JsonElement? Run([ActivityTrigger] TaskInvocation invocation)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        return invocation.Payload;
    }
}
