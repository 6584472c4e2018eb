using System.Text.Json;

namespace ServerlessTasks.Domain.Model;

/// <summary>
/// One task as a client submits it (the seed's task API, field for field; JSON is snake_case).
/// </summary>
/// <param name="TaskId">Client-chosen id, unique within its workflow; generated when absent.</param>
/// <param name="TaskType">Which built-in activity or external worker capability runs it (e.g. <c>echo</c>).</param>
/// <param name="Payload">Opaque JSON handed to the task.</param>
/// <param name="Priority">1 (lowest) to 10 (highest).</param>
/// <param name="Dependencies">Ids of tasks that must complete before this one starts.</param>
/// <param name="Timeout">Per-attempt timeout in seconds; <c>null</c> means no timeout.</param>
/// <param name="Deadline">Latest completion time; <c>null</c> means none.</param>
/// <param name="MaxRetries">Retries after the first attempt; <c>null</c> means the service default.</param>
/// <param name="Compensate">Optional undo step run when the workflow fails after this task completed.</param>
/// <param name="Callback">Optional webhook: for a task submitted on its own, or a task's own callback inside a workflow (its final outcome and any task events it subscribes to).</param>
/// <param name="Cache">Optional result caching (<c>cache: {ttl_seconds}</c>), for deterministic task types only.</param>
/// <param name="Retry">Optional back-off between attempts (<c>retry: {delay_seconds, multiplier, max_delay_seconds}</c>); <c>null</c> means the service default.</param>
public sealed record TaskSpec(
    string? TaskId,
    string TaskType,
    JsonElement? Payload = null,
    int Priority = TaskSpec.DefaultPriority,
    IReadOnlyList<string>? Dependencies = null,
    double? Timeout = null,
    DateTimeOffset? Deadline = null,
    int? MaxRetries = null,
    CompensationSpec? Compensate = null,
    CallbackSpec? Callback = null,
    CacheSpec? Cache = null,
    RetrySpec? Retry = null)
{
    /// <summary>Priority given to tasks that do not name one.</summary>
    public const int DefaultPriority = 5;

    /// <summary>The dependencies, never null.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<string> DependsOn => Dependencies ?? [];
}
