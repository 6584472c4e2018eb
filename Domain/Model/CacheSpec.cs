namespace ServerlessTasks.Domain.Model;

/// <summary>
/// A task's request to be served from the result cache: a completed result of the same task type and payload (canonical
/// JSON) stored less than <see cref="TtlSeconds"/> ago completes the task without running it; else it runs and, when it
/// succeeds, its result is stored for that long. Only deterministic task types may ask.
/// </summary>
/// <param name="TtlSeconds">How old a cached result may be, and how long this task's result is kept: 1 to
/// <see cref="Validation.WorkflowLimits.MaxCacheTtlSeconds"/> seconds.</param>
public sealed record CacheSpec(int? TtlSeconds = null);
