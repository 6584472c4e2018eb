using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using ServerlessTasks.Functions.Http;

namespace ServerlessTasks.Functions.Health;

/// <summary>
/// <c>GET /api/health</c>: Microsoft.Extensions.Diagnostics.HealthChecks' report of the registered checks (task store,
/// work queue, workers; more may register under the <see cref="Tag"/> tag) plus, through the function's Durable
/// client, the Durable backend's reachability and the resource pools' utilisation (<see cref="PoolsHealth"/>). <c>{status, reasons, checks}</c>; 503 when unhealthy.
/// </summary>
public sealed class HealthApi(HealthCheckService health, HealthSettings settings)
{
    /// <summary>The tag of the checks <c>/api/health</c> runs.</summary>
    public const string Tag = "serverless-tasks";

    /// <summary>The endpoint.</summary>
    [Function(nameof(GetHealth))]
    public async Task<IActionResult> GetHealth(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(context);
        var started = DateTimeOffset.UtcNow;
        var report = await health.CheckHealthAsync(c => c.Tags.Contains(Tag), context.CancellationToken);
        var entries = new Dictionary<string, HealthReportEntry>(report.Entries, StringComparer.Ordinal)
        {
            ["durable"] = await ProbeDurableAsync(client, context.CancellationToken),
            ["pools"] = await PoolsHealth.CheckAsync(client, Pools.PoolSlots.Catalog, settings, context.CancellationToken),
        };
        var full = new HealthReport(entries, DateTimeOffset.UtcNow - started);
        var view = HealthView.From(full);
        return ApiResults.Json(view, full.Status == HealthStatus.Unhealthy ? 503 : 200);
    }

    private async Task<HealthReportEntry> ProbeDurableAsync(DurableTaskClient client, CancellationToken cancellation)
    {
        var started = DateTimeOffset.UtcNow;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(settings.CheckTimeout);
        try
        {
            // A read of an instance that never exists: answers null when the backend is reachable.
            await client.GetInstanceAsync("health:probe", getInputsAndOutputs: false, timeout.Token);
            return new HealthReportEntry(HealthStatus.Healthy, "durable backend reachable", DateTimeOffset.UtcNow - started, null, null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || timeout.IsCancellationRequested && !cancellation.IsCancellationRequested)
        {
            return new HealthReportEntry(HealthStatus.Unhealthy, $"durable backend unreachable: {ex.Message}", DateTimeOffset.UtcNow - started, null, null);
        }
    }
}
