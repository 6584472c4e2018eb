namespace ServerlessTasks.Domain.Validation;

/// <summary>
/// Documented size limits for submissions. A submission over any limit is refused as a whole
/// (HTTP 413/422) rather than partly accepted, so nothing is ever silently dropped.
/// </summary>
/// <remarks>
/// The defaults are sized so that a 100,000-task workflow (wide or a chain) is accepted and every
/// check stays linear in tasks + dependencies. Ids are measured in UTF-16 code units.
/// </remarks>
public sealed record WorkflowLimits
{
    /// <summary>The limits used when none are configured.</summary>
    public static WorkflowLimits Default { get; } = new();

    /// <summary>Most tasks in one workflow (default 100,000).</summary>
    public int MaxTasksPerWorkflow { get; init; } = 100_000;

    /// <summary>Most dependencies one task may name (default 100,000, so a join over a whole wide DAG fits).</summary>
    public int MaxDependenciesPerTask { get; init; } = 100_000;

    /// <summary>Most dependency edges in one workflow, summed over its tasks (default 1,000,000).</summary>
    public int MaxTotalDependencies { get; init; } = 1_000_000;

    /// <summary>Largest payload of one task, in UTF-8 bytes of its JSON text (default 64 KiB).</summary>
    public int MaxPayloadBytes { get; init; } = 64 * 1024;

    /// <summary>Longest task, workflow or node id, in UTF-16 code units (default 128).</summary>
    public int MaxIdLength { get; init; } = 128;

    /// <summary>Longest task type name (default 128).</summary>
    public int MaxTaskTypeLength { get; init; } = 128;

    /// <summary>Highest <c>max_retries</c> a task may ask for (default 100).</summary>
    public int MaxRetries { get; init; } = 100;

    /// <summary>Longest <c>retry.delay_seconds</c> or <c>retry.max_delay_seconds</c> a task may ask for (default 1 day, 86,400 s).</summary>
    public double MaxRetryDelaySeconds { get; init; } = 24 * 60 * 60;

    /// <summary>Highest <c>retry.multiplier</c> a task may ask for (default 10).</summary>
    public double MaxRetryMultiplier { get; init; } = 10;

    /// <summary>Longest per-attempt timeout a task may ask for (default 30 days).</summary>
    public TimeSpan MaxTimeout { get; init; } = TimeSpan.FromDays(30);

    /// <summary>Longest <c>cache.ttl_seconds</c> a task may ask for (default 7 days, 604,800 s).</summary>
    public int MaxCacheTtlSeconds { get; init; } = 7 * 24 * 60 * 60;

    /// <summary>Longest callback URL (default 2,048 characters).</summary>
    public int MaxCallbackUrlLength { get; init; } = 2048;

    /// <summary>Longest client callback token (default 1,024 characters).</summary>
    public int MaxCallbackTokenLength { get; init; } = 1024;

    /// <summary>
    /// Most problems listed in one validation result (default 1,000); beyond it a single
    /// <see cref="ValidationProblemCode.TooManyProblems"/> entry says how many more there were.
    /// </summary>
    public int MaxReportedProblems { get; init; } = 1000;
}
