using System.Text.Json;
using System.Text.Json.Serialization;
using ServerlessTasks.Domain.Model;
using ServerlessTasks.TaskIndex;

namespace ServerlessTasks.Functions.Contracts;

/// <summary>A task as the API shows it (the seed's task shape, nulls included, plus its workflow and event order).</summary>
public sealed record TaskView(
    string TaskId,
    string WorkflowId,
    string TaskType,
    WorkflowTaskStatus Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? WorkerId,
    DateTimeOffset CreatedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] DateTimeOffset? StartedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] DateTimeOffset? CompletedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] JsonElement? Result,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Error,
    int Attempts,
    int Priority,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Hlc,
    long StartSequence,
    long FinishSequence)
{
    /// <summary>The completion callback's state, when the submission asked for one (single tasks).</summary>
    public Callbacks.CallbackStateView? Callback { get; init; }

    /// <summary>
    /// Whether the task missed its deadline: true when it finished after it, or is still unfinished past it; false
    /// when it finished in time or is not late yet; absent when the task has no deadline. A late task that completes
    /// still reads <c>completed</c> (its result stands); this says it was late.
    /// </summary>
    public bool? DeadlineMissed { get; init; }

    /// <summary>The <see cref="DeadlineMissed"/> value of a task with <paramref name="deadline"/> at <paramref name="now"/>.</summary>
    public static bool? Missed(DateTimeOffset? deadline, DateTimeOffset? completedAt, DateTimeOffset now) =>
        deadline is { } due ? (completedAt ?? now) > due : null;

    /// <summary>True when the task completed from the result cache without running; absent otherwise.</summary>
    public bool? Cached { get; init; }

    /// <summary>Why a pending task has not started (e.g. it waits for an external worker offering its type); absent otherwise.</summary>
    public string? PendingReason { get; init; }

    /// <summary>How many times the task was redriven or rerun; absent for a task's first run.</summary>
    public int? Redrives { get; init; }

    /// <summary>The view of an index entry.</summary>
    public static TaskView From(TaskIndexEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return new TaskView(
            entry.TaskId,
            entry.WorkflowId,
            entry.TaskType,
            entry.Status,
            entry.WorkerId,
            entry.CreatedAt,
            entry.StartedAt,
            entry.CompletedAt,
            entry.Result is null ? null : JsonSerializer.Deserialize<JsonElement>(entry.Result),
            entry.Error,
            entry.Attempts,
            entry.Priority,
            entry.Hlc,
            entry.StartSequence,
            entry.FinishSequence)
        {
            Redrives = entry.Redrives > 0 ? entry.Redrives : null,
            Cached = entry.Cached ? true : null,
        };
    }

    /// <summary>A submitted task the index does not know yet (pending).</summary>
    public static TaskView Pending(string workflowId, TaskSpec spec, DateTimeOffset createdAt)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new TaskView(spec.TaskId!, workflowId, spec.TaskType, WorkflowTaskStatus.Pending, null, createdAt, null, null, null, null, 0, spec.Priority, null, 0, 0);
    }
}
