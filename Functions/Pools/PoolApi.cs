using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Entities;
using ServerlessTasks.Domain.Pools;
using ServerlessTasks.Functions.Http;

namespace ServerlessTasks.Functions.Pools;

/// <summary><c>GET /api/pools</c>: every configured pool, shard by shard (capacity now, held, waiting, breaker, counters).</summary>
public static class PoolApi
{
    /// <summary>The endpoint.</summary>
    [Function(nameof(ListPools))]
    public static async Task<IActionResult> ListPools(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "pools")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(context);
        var pools = new List<PoolView>();
        foreach (var (name, settings) in PoolSlots.Catalog.Pools.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var shards = new List<PoolShardView>();
            for (var shard = 0; shard < settings.Shards; shard++)
            {
                var key = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{name}#{shard}");
                var entity = await client.Entities.GetEntityAsync<PoolState>(new EntityInstanceId(PoolEntity.EntityName, key), cancellation: context.CancellationToken);
                shards.Add(PoolShardView.From(key, settings, entity?.State));
            }

            pools.Add(new PoolView(name, settings.Capacity, settings.TaskTypeList, settings.Policy.Name, shards));
        }

        return ApiResults.Json(new { pools });
    }
}

/// <summary>A pool as <c>GET /api/pools</c> shows it.</summary>
public sealed record PoolView(string Name, int MaxCapacity, IReadOnlyList<string> TaskTypes, string Policy, IReadOnlyList<PoolShardView> Shards);

/// <summary>One shard's state.</summary>
public sealed record PoolShardView(
    string Key, double Capacity, int MaxCapacity, int Held, int Waiting, BreakerState Breaker,
    long Grants, long Successes, long Failures, long Expired, long BreakerOpens)
{
    /// <summary>The view of a shard's state (a shard never used reads as fresh).</summary>
    public static PoolShardView From(string key, PoolSettings settings, PoolState? state)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return state is null
            ? new PoolShardView(key, settings.ShardCapacity, settings.ShardCapacity, 0, 0, BreakerState.Closed, 0, 0, 0, 0, 0)
            : new PoolShardView(key, Math.Round(state.Capacity, 3), settings.ShardCapacity, state.Held.Count, state.Waiting.Count, state.Breaker,
                state.Grants, state.Successes, state.Failures, state.Expired, state.BreakerOpens);
    }
}
