namespace LocalRuntime.Durable.Engine;

/// <summary>Tuning of the local engine; host.json's <c>extensions.durableTask</c> maps onto it.</summary>
public sealed record DurableEngineOptions
{
    /// <summary>The task hub name.</summary>
    public string HubName { get; init; } = "TestHubName";

    /// <summary>The most activities running at once (the pool's ceiling).</summary>
    public int MaxConcurrentActivityFunctions { get; init; } = 10 * Environment.ProcessorCount;

    /// <summary>The fewest activity workers kept alive while idle.</summary>
    public int MinActivityWorkers { get; init; } = 1;

    /// <summary>How long an activity worker above the minimum stays idle before it stops.</summary>
    public TimeSpan ActivityWorkerIdleTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The most orchestration episodes running at once.</summary>
    public int MaxConcurrentOrchestratorFunctions { get; init; } = 10 * Environment.ProcessorCount;

    /// <summary>How many orchestrations stay cached in memory between episodes (like extended sessions).</summary>
    public int MaxCachedOrchestrations { get; init; } = 1_000;

    /// <summary>First delay before retrying an episode whose commit failed.</summary>
    public TimeSpan StoreRetryDelay { get; init; } = TimeSpan.FromMilliseconds(100);
}
