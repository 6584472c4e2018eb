using System.Text.Json;
using System.Text.Json.Serialization;

namespace ServerlessTasks.Functions.Contracts;

/// <summary>The status of a workflow as a whole.</summary>
public enum WorkflowStatus
{
    /// <summary>Accepted, not yet started.</summary>
    Pending,
    /// <summary>Running.</summary>
    Running,
    /// <summary>Suspended by a client.</summary>
    Suspended,
    /// <summary>Every task completed.</summary>
    Completed,
    /// <summary>A task failed (its dependents were skipped) or the workflow itself failed.</summary>
    Failed,
    /// <summary>Cancelled by a client.</summary>
    Cancelled,
}

/// <summary>The body of <c>GET /api/workflows/{id}</c>.</summary>
public sealed record WorkflowView(
    string WorkflowId,
    WorkflowStatus Status,
    string RuntimeStatus,
    DateTimeOffset CreatedAt,
    DateTimeOffset LastUpdatedAt,
    WorkflowCounts? Counts,
    IReadOnlyList<TaskView> Tasks,
    string? Error,
    IReadOnlyList<CompensationReport>? Compensations = null,
    Callbacks.CallbackStateView? Callback = null,
    Callbacks.CallbackSummary? TaskCallbacks = null);

/// <summary>The 202 body of a submission: Durable's check-status shape (camelCase) plus our own status URL.</summary>
public sealed record CheckStatusBody(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("statusQueryGetUri")] string? StatusQueryGetUri,
    [property: JsonPropertyName("sendEventPostUri")] string? SendEventPostUri,
    [property: JsonPropertyName("terminatePostUri")] string? TerminatePostUri,
    [property: JsonPropertyName("purgeHistoryDeleteUri")] string? PurgeHistoryDeleteUri,
    [property: JsonPropertyName("restartPostUri"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? RestartPostUri,
    [property: JsonPropertyName("suspendPostUri")] string? SuspendPostUri,
    [property: JsonPropertyName("resumePostUri")] string? ResumePostUri,
    [property: JsonPropertyName("status_url")] string StatusUrl)
{
    /// <summary>The task id, for single-task submissions.</summary>
    [JsonPropertyName("task_id")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? TaskId { get; init; }

    /// <summary>For a workflow task's rerun: which run of the task, and whether it started or waits for the current run to end.</summary>
    [JsonPropertyName("rerun")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public RerunView? Rerun { get; init; }

    /// <summary>Plain options: the names above are explicit.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.General)
    {
        // URLs stay readable ('&' unescaped), as Durable writes them; the body is never embedded in HTML.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}

/// <summary>What a rerun request did (<c>POST /api/workflows/{id}/tasks/{task_id}/rerun</c>).</summary>
/// <param name="TaskId">The task rerun.</param>
/// <param name="Run">The task's run number (its <c>redrives</c> once the run starts).</param>
/// <param name="Status"><c>started</c>, or <c>queued</c>: the workflow was running, the rerun starts when that run ends.</param>
public sealed record RerunView(
    [property: JsonPropertyName("task_id")] string TaskId,
    [property: JsonPropertyName("run")] int Run,
    [property: JsonPropertyName("status")] string Status);
