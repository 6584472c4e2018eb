using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using ServerlessTasks.Functions.Http;

namespace ServerlessTasks.Functions.Proctor;

/// <summary>The proctor: a timer-triggered sweep every five seconds, and the same sweep on demand.</summary>
public sealed class ProctorFunctions(ProctorSweep sweep)
{
    /// <summary>The sweep's schedule (NCRONTAB with seconds): every 5 s, so a dead worker is found within dead-after + 5 s.</summary>
    public const string Schedule = "*/5 * * * * *";

    /// <summary>The timer-triggered sweep.</summary>
    [Function(nameof(ProctorTimer))]
    public async Task ProctorTimer([TimerTrigger(Schedule)] TimerInfo timer, [DurableClient] DurableTaskClient client, FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        await sweep.RunAsync(client, context.CancellationToken);
    }

    /// <summary><c>POST /api/proctor/sweep</c>: one sweep now; 200 with what it found and did.</summary>
    [Function(nameof(ProctorSweepNow))]
    public async Task<IActionResult> ProctorSweepNow(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "proctor/sweep")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return ApiResults.Json(await sweep.RunAsync(client, context.CancellationToken));
    }
}
