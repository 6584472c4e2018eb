using System.Text.Json.Serialization;

namespace ServerlessTasks.Domain.Validation;

/// <summary>Machine-readable reason a submission was refused (serialized in snake_case).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ValidationProblemCode>))]
public enum ValidationProblemCode
{
    /// <summary>The workflow has no tasks.</summary>
    [JsonStringEnumMemberName("empty_workflow")]
    EmptyWorkflow,

    /// <summary>More tasks than <see cref="WorkflowLimits.MaxTasksPerWorkflow"/>.</summary>
    [JsonStringEnumMemberName("too_many_tasks")]
    TooManyTasks,

    /// <summary>A task inside a workflow has no id (assign ids before validating).</summary>
    [JsonStringEnumMemberName("missing_task_id")]
    MissingTaskId,

    /// <summary>A task id is not safe as a storage key (see <see cref="StorageKeyRules"/>).</summary>
    [JsonStringEnumMemberName("invalid_task_id")]
    InvalidTaskId,

    /// <summary>Two or more tasks share one id.</summary>
    [JsonStringEnumMemberName("duplicate_task_id")]
    DuplicateTaskId,

    /// <summary>The task type is empty, blank or too long.</summary>
    [JsonStringEnumMemberName("invalid_task_type")]
    InvalidTaskType,

    /// <summary>A task depends on itself.</summary>
    [JsonStringEnumMemberName("self_dependency")]
    SelfDependency,

    /// <summary>A task depends on an id that is not in the workflow.</summary>
    [JsonStringEnumMemberName("unknown_dependency")]
    UnknownDependency,

    /// <summary>A task names the same dependency more than once.</summary>
    [JsonStringEnumMemberName("duplicate_dependency")]
    DuplicateDependency,

    /// <summary>A task, or the workflow, has more dependencies than the limits allow.</summary>
    [JsonStringEnumMemberName("too_many_dependencies")]
    TooManyDependencies,

    /// <summary>The dependencies form a cycle; the task ids list one cycle in order.</summary>
    [JsonStringEnumMemberName("cycle")]
    Cycle,

    /// <summary>Priority outside 1-10.</summary>
    [JsonStringEnumMemberName("priority_out_of_range")]
    PriorityOutOfRange,

    /// <summary>Timeout not a positive finite number of seconds within the limit.</summary>
    [JsonStringEnumMemberName("invalid_timeout")]
    InvalidTimeout,

    /// <summary>A task or workflow deadline is not in the future.</summary>
    [JsonStringEnumMemberName("deadline_in_past")]
    DeadlineInPast,

    /// <summary><c>max_retries</c> negative or above the limit.</summary>
    [JsonStringEnumMemberName("invalid_max_retries")]
    InvalidMaxRetries,

    /// <summary>A payload is larger than <see cref="WorkflowLimits.MaxPayloadBytes"/>.</summary>
    [JsonStringEnumMemberName("payload_too_large")]
    PayloadTooLarge,

    /// <summary>The workflow id is not safe as a storage key.</summary>
    [JsonStringEnumMemberName("invalid_workflow_id")]
    InvalidWorkflowId,

    /// <summary><c>max_parallelism</c> is below 1.</summary>
    [JsonStringEnumMemberName("invalid_max_parallelism")]
    InvalidMaxParallelism,

    /// <summary>The callback URL or token is malformed or too long (address policy is checked separately).</summary>
    [JsonStringEnumMemberName("invalid_callback")]
    InvalidCallback,

    /// <summary>The compensation step is malformed.</summary>
    [JsonStringEnumMemberName("invalid_compensation")]
    InvalidCompensation,

    /// <summary><c>cache.ttl_seconds</c> is missing or out of range, or the task type is not deterministic (cannot be cached).</summary>
    InvalidCache,

    /// <summary>A <c>retry</c> field is out of range (<c>delay_seconds</c>, <c>max_delay_seconds</c>, <c>multiplier</c>).</summary>
    [JsonStringEnumMemberName("invalid_retry")]
    InvalidRetry,

    /// <summary>The payload does not fit its task type (e.g. a negative <c>delay</c>, <c>compute</c> iterations over the cap).</summary>
    [JsonStringEnumMemberName("invalid_payload")]
    InvalidPayload,

    /// <summary>More problems were found than <see cref="WorkflowLimits.MaxReportedProblems"/>; the rest are counted here.</summary>
    [JsonStringEnumMemberName("too_many_problems")]
    TooManyProblems,
}
