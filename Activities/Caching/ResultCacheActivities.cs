using System.Text.Json;
using Microsoft.Azure.Functions.Worker;
using ServerlessTasks.Activities.Telemetry;
using ServerlessTasks.Domain.Caching;
using ServerlessTasks.TaskIndex;

namespace ServerlessTasks.Activities.Caching;

/// <summary>A task asking the result cache for its result.</summary>
/// <param name="WorkflowId">Its orchestration (its owner is the tenant the key is scoped to).</param>
/// <param name="TaskType">Its type.</param>
/// <param name="Payload">Its payload.</param>
/// <param name="TtlSeconds">How old a cached result may be.</param>
/// <param name="Now">The orchestration's (durable) time of the lookup.</param>
public sealed record CacheLookup(string WorkflowId, string TaskType, JsonElement? Payload, int TtlSeconds, DateTimeOffset Now);

/// <summary>The cache's answer.</summary>
/// <param name="Key">The task's cache key (to store its result under after a miss).</param>
/// <param name="Hit">Whether a result was found.</param>
/// <param name="Result">The cached result, on a hit.</param>
public sealed record CacheAnswer(string Key, bool Hit, JsonElement? Result);

/// <summary>A successful task's result to keep.</summary>
/// <param name="Key">Its cache key (from its <see cref="CacheAnswer"/>).</param>
/// <param name="Result">The result.</param>
/// <param name="TtlSeconds">How long to keep it.</param>
/// <param name="Now">The orchestration's (durable) time the task completed.</param>
public sealed record CacheEntry(string Key, JsonElement? Result, int TtlSeconds, DateTimeOffset Now);

/// <summary>
/// The result cache's activities (orchestrators do no I/O): look a task up before it runs, store its result after it
/// succeeded. The key is scoped to the tenant that owns the task's workflow, so tenants never share results. Ages are
/// measured in durable time (the orchestration's clock, sent with each call), the clock task timeouts and retries run on,
/// so a result is as fresh as the workflow sees it, whichever instance runs the activity.
/// </summary>
public sealed class ResultCacheActivities(IResultCache cache, ITenantDirectory tenants, ResultCacheMetrics metrics)
{
    /// <summary>Looks a task up; counts a hit or a miss.</summary>
    [Function(nameof(LookupCachedResult))]
    public async Task<CacheAnswer> LookupCachedResult([ActivityTrigger] CacheLookup lookup, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(lookup);
        var tenant = await tenants.OwnerAsync(TenantResource.Instance, lookup.WorkflowId, cancellation);
        var key = ResultCacheKey.For(tenant, lookup.TaskType, lookup.Payload);
        var now = lookup.Now;
        var found = await cache.GetAsync(key, now - TimeSpan.FromSeconds(lookup.TtlSeconds), now, cancellation);
        metrics.Record(found is not null);
        return found is null
            ? new CacheAnswer(key, false, null)
            : new CacheAnswer(key, true, JsonSerializer.Deserialize<JsonElement>(found.Result));
    }

    /// <summary>Stores a successful task's result (idempotent: the same key again replaces the entry).</summary>
    [Function(nameof(StoreCachedResult))]
    public async Task<bool> StoreCachedResult([ActivityTrigger] CacheEntry entry, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var now = entry.Now;
        var text = entry.Result is { } result ? result.GetRawText() : "null";
        return await cache.PutAsync(new CachedResult(entry.Key, text, now, now + TimeSpan.FromSeconds(entry.TtlSeconds)), now, cancellation);
    }
}
