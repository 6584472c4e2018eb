using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using ServerlessTasks.Activities.Workers;
using ServerlessTasks.Domain.Workers;

namespace ServerlessTasks.Functions.Health;

/// <summary>
/// External workers alive and dead: degraded while a worker is dead (until it heartbeats or registers again, is
/// deregistered, or is forgotten after <see cref="WorkerSettings.ForgetDeadAfter"/>). No workers at all is healthy:
/// built-in task types need none.
/// </summary>
public sealed class WorkersHealthCheck(WorkQueue queue) : IHealthCheck
{
    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var now = queue.Now;
        var workers = await queue.Store.ListWorkersAsync(cancellationToken);
        var byStatus = workers.GroupBy(w => w.StatusAt(now, queue.Settings.DeadAfter)).ToDictionary(g => g.Key, g => g.ToList());
        var alive = byStatus.GetValueOrDefault(WorkerStatus.Active, []).Count + byStatus.GetValueOrDefault(WorkerStatus.Draining, []).Count;
        var dead = byStatus.GetValueOrDefault(WorkerStatus.Dead, []);
        var capacity = workers.Where(w => w.StatusAt(now, queue.Settings.DeadAfter) != WorkerStatus.Dead).Sum(w => w.MaxConcurrentTasks);
        var leased = workers.Sum(w => w.LeasedTasks);
        var data = new Dictionary<string, object>
        {
            ["alive"] = alive,
            ["dead"] = dead.Count,
            ["draining"] = byStatus.GetValueOrDefault(WorkerStatus.Draining, []).Count,
            ["slots"] = capacity,
            ["leased"] = leased,
            ["utilisation"] = capacity == 0 ? 0 : Math.Round((double)leased / capacity, 3),
        };
        if (dead.Count == 0)
        {
            return HealthCheckResult.Healthy(string.Create(CultureInfo.InvariantCulture, $"{alive} workers alive"), data);
        }

        var names = string.Join(", ", dead.Select(w => string.Create(CultureInfo.InvariantCulture, $"'{w.WorkerId}' (no heartbeat for {(now - w.LastHeartbeatAt).TotalSeconds:0} s)")));
        return HealthCheckResult.Degraded($"{dead.Count} workers dead: {names}", data: data);
    }
}
