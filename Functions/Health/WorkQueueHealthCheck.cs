using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using ServerlessTasks.Activities.Workers;
using ServerlessTasks.Domain.Workers;

namespace ServerlessTasks.Functions.Health;

/// <summary>
/// The queue of tasks waiting for external workers: reachable (else unhealthy), its depth and oldest pending age
/// (degraded past <see cref="HealthSettings"/>), and task types waiting with no live worker offering them (degraded).
/// </summary>
public sealed class WorkQueueHealthCheck(WorkQueue queue, HealthSettings settings) : IHealthCheck
{
    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var now = queue.Now;
        var stats = await queue.Store.GetStatsAsync(cancellationToken);
        var workers = await queue.Store.ListWorkersAsync(cancellationToken);
        var offered = workers.Where(w => w.StatusAt(now, queue.Settings.DeadAfter) == WorkerStatus.Active).SelectMany(w => w.Capabilities).ToHashSet(StringComparer.Ordinal);
        var oldestAge = stats.OldestWaitingSince is { } since ? now - since : TimeSpan.Zero;
        var data = new Dictionary<string, object>
        {
            ["waiting"] = stats.Waiting,
            ["leased"] = stats.Leased,
            ["undelivered"] = stats.Undelivered,
            ["oldest_pending_age_s"] = Math.Round(oldestAge.TotalSeconds, 1),
            ["waiting_by_type"] = stats.WaitingByType.ToDictionary(t => t.Key, t => t.Value.Count, StringComparer.Ordinal),
        };
        var reasons = new List<string>();
        if (stats.Waiting > settings.MaxQueueDepth)
        {
            reasons.Add(string.Create(CultureInfo.InvariantCulture, $"{stats.Waiting} tasks wait for workers (more than {settings.MaxQueueDepth})"));
        }

        if (oldestAge > settings.MaxPendingAge)
        {
            reasons.Add(string.Create(CultureInfo.InvariantCulture, $"the oldest task has waited {oldestAge.TotalSeconds:0} s for a worker (more than {settings.MaxPendingAge.TotalSeconds:0} s)"));
        }

        foreach (var (type, (count, _)) in stats.WaitingByType.Where(t => !offered.Contains(t.Key)).OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            reasons.Add(string.Create(CultureInfo.InvariantCulture, $"{count} tasks of task_type '{type}' wait and no live worker offers it"));
        }

        return reasons.Count == 0
            ? HealthCheckResult.Healthy("work queue flowing", data)
            : HealthCheckResult.Degraded(string.Join("; ", reasons), data: data);
    }
}
