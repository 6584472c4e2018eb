using Microsoft.Extensions.Diagnostics.HealthChecks;
using ServerlessTasks.TaskIndex;

namespace ServerlessTasks.Functions.Health;

/// <summary>The task index and event journal answer a read (unhealthy when they do not: nothing can be recorded).</summary>
public sealed class TaskStoreHealthCheck(ITaskIndex index) : IHealthCheck
{
    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var page = await index.ListAsync(null, 1, 0, cancellationToken);
        return HealthCheckResult.Healthy("task index reachable", new Dictionary<string, object> { ["tasks"] = page.Total });
    }
}
