using System.Text.Json;
using System.Text.Json.Serialization;
using ServerlessTasks.Domain.Workers;
using ServerlessTasks.TaskIndex;

namespace ServerlessTasks.Functions.Workers;

/// <summary>The answer to register (and heartbeat): what the worker must keep to.</summary>
public sealed record WorkerRegistered(string WorkerId, WorkerStatus Status, double HeartbeatIntervalS, double LeaseTimeoutS);

/// <summary>A worker as <c>GET /api/workers</c> shows it.</summary>
public sealed record WorkerView(
    string WorkerId,
    WorkerStatus Status,
    IReadOnlyList<string> Capabilities,
    int MaxConcurrentTasks,
    int CurrentTasks,
    double Load,
    int ReportedTasks,
    DateTimeOffset RegisteredAt,
    DateTimeOffset LastHeartbeatAt,
    DateTimeOffset? DeadAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] JsonElement? SystemInfo)
{
    /// <summary>The view of a stored worker at <paramref name="now"/> (dead once its heartbeat is overdue).</summary>
    public static WorkerView From(WorkerRecord worker, DateTimeOffset now, WorkerSettings settings)
    {
        ArgumentNullException.ThrowIfNull(worker);
        ArgumentNullException.ThrowIfNull(settings);
        return new(
            worker.WorkerId,
            worker.StatusAt(now, settings.DeadAfter),
            worker.Capabilities,
            worker.MaxConcurrentTasks,
            worker.LeasedTasks,
            worker.MaxConcurrentTasks == 0 ? 0 : Math.Round((double)worker.LeasedTasks / worker.MaxConcurrentTasks, 3),
            worker.ReportedTasks,
            worker.RegisteredAt,
            worker.LastHeartbeatAt,
            worker.DeadAt,
            worker.SystemInfo is null ? null : JsonSerializer.Deserialize<JsonElement>(worker.SystemInfo));
    }
}

/// <summary>One leased task.</summary>
public sealed record LeasedTaskView(
    string TaskId,
    string? WorkflowId,
    string TaskType,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] JsonElement? Payload,
    int Priority,
    int Attempt,
    string LeaseToken,
    DateTimeOffset LeaseExpiresAt)
{
    /// <summary>The view of a leased row (a single task has no workflow id).</summary>
    public static LeasedTaskView From(ExternalTaskRecord task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return new(
            task.TaskId,
            task.WorkflowId.StartsWith("task:", StringComparison.Ordinal) ? null : task.WorkflowId,
            task.TaskType,
            task.Payload is null ? null : JsonSerializer.Deserialize<JsonElement>(task.Payload),
            task.Priority,
            task.Attempt,
            task.LeaseToken!,
            task.LeaseExpiresAt!.Value);
    }
}

/// <summary>The answer to a lease call.</summary>
public sealed record LeaseView(IReadOnlyList<LeasedTaskView> Tasks);

/// <summary>The answer to complete, fail and renew.</summary>
public sealed record LeaseOutcomeView(string TaskId, string? WorkflowId, string Status, int Attempt, DateTimeOffset? LeaseExpiresAt = null);
