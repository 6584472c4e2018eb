using ServerlessTasks.TaskIndex;

namespace ServerlessTasks.Functions.DeadLetters;

/// <summary>A dead-lettered single task: it failed after its retries and waits for an operator (or nobody).</summary>
/// <param name="TaskId">The task.</param>
/// <param name="TaskType">Its type.</param>
/// <param name="Error">Its last error.</param>
/// <param name="Attempts">Attempts made in all its runs.</param>
/// <param name="FailedAt">When it failed for good.</param>
/// <param name="Redrives">How many times it was redriven already.</param>
/// <param name="Hlc">The stamp of its final event.</param>
/// <param name="StatusUrl">Its <c>GET /api/tasks/{task_id}</c>.</param>
/// <param name="RedriveUrl">Its <c>POST /api/tasks/{task_id}/redrive</c>.</param>
public sealed record DeadLetterView(
    string TaskId, string TaskType, string? Error, int Attempts, DateTimeOffset? FailedAt, int Redrives, string? Hlc, string StatusUrl, string RedriveUrl)
{
    /// <summary>The view of a failed single task's entry.</summary>
    public static DeadLetterView From(TaskIndexEntry entry, string origin)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var path = $"{origin}/api/tasks/{Uri.EscapeDataString(entry.TaskId)}";
        return new DeadLetterView(entry.TaskId, entry.TaskType, entry.Error, entry.Attempts, entry.CompletedAt, entry.Redrives, entry.Hlc, path, path + "/redrive");
    }
}

/// <summary>A page of dead letters.</summary>
public sealed record DeadLetterPage(IReadOnlyList<DeadLetterView> Items, int Total, int Limit, int Offset);

/// <summary>
/// The body of <c>POST /api/dead-letters/tasks/redrive</c>: which dead letters to redrive (all fields optional).
/// </summary>
/// <param name="TaskType">Only this task type.</param>
/// <param name="FailedSince">Only tasks that failed at or after this time.</param>
/// <param name="FailedUntil">Only tasks that failed at or before this time.</param>
/// <param name="Limit">At most this many (1-1000; default 100), oldest first.</param>
public sealed record RedriveFilter(string? TaskType = null, DateTimeOffset? FailedSince = null, DateTimeOffset? FailedUntil = null, int? Limit = null);

/// <summary>One task a filtered redrive started again.</summary>
/// <param name="TaskId">The task.</param>
/// <param name="Redrives">Its redrive count with this one.</param>
/// <param name="StatusUrl">Its <c>GET /api/tasks/{task_id}</c>.</param>
/// <param name="StatusQueryGetUri">Its Durable status URL.</param>
public sealed record RedrivenTask(string TaskId, int Redrives, string StatusUrl, [property: System.Text.Json.Serialization.JsonPropertyName("statusQueryGetUri")] string? StatusQueryGetUri);

/// <summary>One task a filtered redrive matched but did not start (another redrive got there first, ...).</summary>
/// <param name="TaskId">The task.</param>
/// <param name="Status">Its status now.</param>
/// <param name="Reason">Why it was not redriven.</param>
public sealed record RefusedRedrive(string TaskId, string? Status, string Reason);

/// <summary>What a filtered redrive did.</summary>
/// <param name="Redriven">The tasks started again.</param>
/// <param name="Refused">The matched tasks it did not start.</param>
public sealed record RedriveReport(IReadOnlyList<RedrivenTask> Redriven, IReadOnlyList<RefusedRedrive> Refused);
