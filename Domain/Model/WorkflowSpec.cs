namespace ServerlessTasks.Domain.Model;

/// <summary>A DAG of tasks submitted together; it runs as one orchestration.</summary>
/// <param name="WorkflowId">Client-chosen id (idempotency key); generated when absent.</param>
/// <param name="Tasks">The tasks; dependencies name other task ids in this list.</param>
/// <param name="MaxParallelism">How many tasks may run at once; <c>null</c> means unbounded.</param>
/// <param name="Deadline">Latest completion time of the whole workflow.</param>
/// <param name="SchedulingPolicy">How ready tasks are ordered; <see cref="Model.SchedulingPolicy.Priority"/> when null.</param>
/// <param name="Callback">Optional completion webhook (url, client token, events).</param>
public sealed record WorkflowSpec(
    string? WorkflowId,
    IReadOnlyList<TaskSpec> Tasks,
    int? MaxParallelism = null,
    DateTimeOffset? Deadline = null,
    CallbackSpec? Callback = null,
    SchedulingPolicy? SchedulingPolicy = null);
