using System.Globalization;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Entities;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using ServerlessTasks.Domain.Pools;
using ServerlessTasks.Functions.Pools;

namespace ServerlessTasks.Functions.Health;

/// <summary>
/// The <c>pools</c> entry of <c>GET /api/health</c>: each configured resource pool's slots in use against its capacity
/// now (the adaptive limit, summed over shards: 0 while the breaker is open, the probes while half-open), waiting
/// requests and breaker. Degraded while a pool's breaker is not closed (its dependency keeps failing) or more requests
/// wait for a pool than <see cref="HealthSettings.MaxQueueDepth"/>. Read through the function's Durable client (the
/// pools are durable entities), so it is not a registered check.
/// </summary>
public static class PoolsHealth
{
    /// <summary>The entry for <paramref name="catalog"/>'s pools.</summary>
    public static async Task<HealthReportEntry> CheckAsync(DurableTaskClient client, PoolCatalog catalog, HealthSettings settings, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(settings);
        var started = DateTimeOffset.UtcNow;
        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        var reasons = new List<string>();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(settings.CheckTimeout);
        try
        {
            foreach (var (name, pool) in catalog.Pools.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                int inUse = 0, capacity = 0, waiting = 0;
                var breakers = new List<BreakerState>();
                for (var shard = 0; shard < pool.Shards; shard++)
                {
                    var key = string.Create(CultureInfo.InvariantCulture, $"{name}#{shard}");
                    var entity = await client.Entities.GetEntityAsync<PoolState>(new EntityInstanceId(PoolEntity.EntityName, key), cancellation: timeout.Token);

                    // A shard never used reads as fresh: full capacity, nothing held.
                    var state = new ResourcePool(key, pool, entity?.State ?? new PoolState());
                    inUse += state.State.Held.Count;
                    capacity += state.Limit;
                    waiting += state.State.Waiting.Count;
                    breakers.Add(state.State.Breaker);
                }

                var breaker = breakers.Contains(BreakerState.Open) ? BreakerState.Open : breakers.Contains(BreakerState.HalfOpen) ? BreakerState.HalfOpen : BreakerState.Closed;
                data[name] = new Dictionary<string, object>(StringComparer.Ordinal)
                {
                    ["in_use"] = inUse,
                    ["capacity"] = capacity,
                    ["max_capacity"] = pool.Capacity,
                    ["utilisation"] = capacity == 0 ? (inUse == 0 ? 0.0 : 1.0) : Math.Round((double)inUse / capacity, 3),
                    ["waiting"] = waiting,
                    ["breaker"] = Name(breaker),
                    ["shards"] = pool.Shards,
                };
                if (breaker != BreakerState.Closed)
                {
                    reasons.Add(string.Create(CultureInfo.InvariantCulture, $"pool '{name}': breaker {Name(breaker)} (its dependency keeps failing), {inUse}/{capacity} slots in use, {waiting} waiting"));
                }
                else if (waiting > settings.MaxQueueDepth)
                {
                    reasons.Add(string.Create(CultureInfo.InvariantCulture, $"pool '{name}': {waiting} requests wait for a slot (more than {settings.MaxQueueDepth}), {inUse}/{capacity} in use"));
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || timeout.IsCancellationRequested && !cancellation.IsCancellationRequested)
        {
            return new HealthReportEntry(HealthStatus.Degraded, $"pool state unreadable: {ex.Message}", DateTimeOffset.UtcNow - started, null, data);
        }

        var elapsed = DateTimeOffset.UtcNow - started;
        return reasons.Count == 0
            ? new HealthReportEntry(HealthStatus.Healthy, string.Create(CultureInfo.InvariantCulture, $"{catalog.Pools.Count} resource pools"), elapsed, null, data)
            : new HealthReportEntry(HealthStatus.Degraded, string.Join("; ", reasons), elapsed, null, data);
    }

    private static string Name(BreakerState breaker) => breaker switch
    {
        BreakerState.Open => "open",
        BreakerState.HalfOpen => "half_open",
        _ => "closed",
    };
}
