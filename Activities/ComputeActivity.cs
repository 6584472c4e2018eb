using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Azure.Functions.Worker;
using ServerlessTasks.Functions.Contracts;

namespace ServerlessTasks.Activities;

/// <summary>The <c>compute</c> task type: SHA-256 of the payload's JSON, repeated <c>iterations</c> times (CPU work).</summary>
public sealed class ComputeActivity(Events.HostClock clock)
{
    /// <summary>The most iterations one task may ask for.</summary>
    public const int MaxIterations = 1_000_000;

    /// <summary>The activity function.</summary>
    [Function(nameof(ComputeActivity))]
    public Task<Events.TaskActivityResult> Run([ActivityTrigger] TaskInvocation invocation)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        return clock.RunAsync(invocation.Hlc, () => Task.FromResult<JsonElement?>(Execute(invocation)));
    }

    /// <summary>The result of one attempt (also run by grouped first attempts, <see cref="Functions.Orchestration.TaskGroupActivity"/>).</summary>
    internal static JsonElement Execute(TaskInvocation invocation)
    {
        var iterations = (int)Math.Clamp(TaskPayload.GetDouble(invocation.Payload, "iterations") ?? 1, 1, MaxIterations);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(invocation.Payload?.GetRawText() ?? "null"));
        for (var i = 1; i < iterations; i++)
        {
            hash = SHA256.HashData(hash);
        }

        return JsonSerializer.SerializeToElement(new { sha256 = Convert.ToHexStringLower(hash), iterations });
    }
}
