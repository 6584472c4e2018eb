using Microsoft.DurableTask;
using ServerlessTasks.Activities.Caching;
using ServerlessTasks.Domain.Model;
using ServerlessTasks.Functions.Contracts;
using ServerlessTasks.Functions.Orchestration;
using ServerlessTasks.TaskIndex;

namespace ServerlessTasks.Functions.Caching;

/// <summary>
/// The orchestrator's side of result caching (<c>cache: {ttl_seconds}</c> on a task): before the first attempt it asks
/// the cache; a hit completes the task with the cached result, no attempt made (0 attempts), and a <c>task_cached</c>
/// event; after a success the result is stored. The cache only saves work: a lookup or store that fails counts as a miss
/// or is dropped, never failing the task.
/// </summary>
public static class TaskResultCache
{
    /// <summary>The cache's answer for <paramref name="task"/>, or null when it asks for no caching (or the lookup failed).</summary>
    public static async Task<CacheAnswer?> LookupAsync(TaskOrchestrationContext context, string workflowId, TaskSpec task)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(task);
        if (task.Cache is not { TtlSeconds: { } ttl })
        {
            return null;
        }

        try
        {
            return await context.CallActivityAsync<CacheAnswer>(
                nameof(ResultCacheActivities.LookupCachedResult), new CacheLookup(workflowId, task.TaskType, task.Payload, ttl, context.UtcNow()), OrchestrationDefaults.BookkeepingRetry);
        }
        catch (TaskFailedException)
        {
            return null; // the task runs as if nothing were cached
        }
    }

    /// <summary>The outcome of a task served from the cache, with its <c>task_cached</c> event.</summary>
    public static TaskOutcome Served(TaskOrchestrationContext context, string workflowId, TaskSpec task, CacheAnswer hit, OrchestrationClock? clock, List<TaskEvent> events)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(hit);
        ArgumentNullException.ThrowIfNull(events);
        if (clock is not null)
        {
            events.Add(clock.Stamp(workflowId, task.TaskId, TaskEventKind.TaskCached, context.UtcNow(), 0, $"cache key {hit.Key[..16]}"));
        }

        return new TaskOutcome(true, hit.Result, null, 0, events, clock?.Current);
    }

    /// <summary>Stores a successful result under the key of its lookup (nothing when the task asked for no caching).</summary>
    public static async Task StoreAsync(TaskOrchestrationContext context, TaskSpec task, CacheAnswer? miss, System.Text.Json.JsonElement? result)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(task);
        if (miss is null || task.Cache is not { TtlSeconds: { } ttl })
        {
            return;
        }

        try
        {
            await context.CallActivityAsync<bool>(nameof(ResultCacheActivities.StoreCachedResult), new CacheEntry(miss.Key, result, ttl, context.UtcNow()), OrchestrationDefaults.BookkeepingRetry);
        }
        catch (TaskFailedException)
        {
            // Not cached this time; the task's result stands.
        }
    }
}
