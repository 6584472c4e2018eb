using ServerlessTasks.Domain.Model;
using ServerlessTasks.Webhooks;

namespace ServerlessTasks.Functions.Callbacks;

/// <summary>The callback state shown on a workflow or task (<c>callback</c> in the status body).</summary>
/// <param name="Status">pending | retrying | delivered | dead_lettered | disabled.</param>
/// <param name="Url">The target.</param>
/// <param name="Event">The event delivered.</param>
/// <param name="WebhookId">The <c>webhook-id</c> (null until the delivery starts).</param>
/// <param name="Attempts">Attempts made.</param>
/// <param name="LastError">Why the last attempt failed.</param>
/// <param name="UpdatedAt">When the state last changed.</param>
public sealed record CallbackStateView(
    CallbackDeliveryStatus Status, string Url, string Event, string? WebhookId, int Attempts, string? LastError, DateTimeOffset? UpdatedAt)
{
    /// <summary>The view of a stored delivery.</summary>
    public static CallbackStateView From(CallbackRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new(record.Status, record.Url, record.Event, record.WebhookId, record.Attempts, record.LastError, record.UpdatedAt);
    }

    /// <summary>
    /// The completion callback of an orchestration: the stored delivery, or pending when the submission asked
    /// for one that has not started yet; null when its callback does not subscribe to <c>completed</c>.
    /// </summary>
    /// <param name="store">The callback store.</param>
    /// <param name="workflowId">The orchestration.</param>
    /// <param name="callback">The submission's callback.</param>
    /// <param name="cancellation">Cancels the read.</param>
    /// <param name="run">The run whose completion to show (a redriven task's or rerun workflow's latest; 0 the first).</param>
    public static async Task<CallbackStateView?> ForAsync(ICallbackStore store, string workflowId, CallbackSpec? callback, CancellationToken cancellation, int run = 0)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (callback is null || !callback.EffectiveEvents.Contains(CallbackEventKind.Completed))
        {
            return null;
        }

        var key = CallbackKeys.RunCompletion(workflowId, run);
        var legacy = run > 0 ? key : CallbackKeys.LegacyCompletion(workflowId);
        var record = await store.GetAsync(key, cancellation) ?? (legacy == key ? null : await store.GetAsync(legacy, cancellation));
        return record is not null ? From(record) : new(CallbackDeliveryStatus.Pending, callback.Url, "completed", null, 0, null, null);
    }
}

/// <summary>
/// The deliveries of a workflow's task-event callbacks and its tasks' own callbacks (<c>task_callbacks</c> in the
/// workflow's status), by status; each delivery's details are in the dead-letter list when it failed.
/// </summary>
public sealed record CallbackSummary(int Total, int Pending, int Retrying, int Delivered, int DeadLettered, int Disabled)
{
    /// <summary>The summary of <paramref name="records"/>.</summary>
    public static CallbackSummary Of(IReadOnlyCollection<CallbackRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        int Count(CallbackDeliveryStatus status) => records.Count(r => r.Status == status);
        return new(records.Count, Count(CallbackDeliveryStatus.Pending), Count(CallbackDeliveryStatus.Retrying), Count(CallbackDeliveryStatus.Delivered),
            Count(CallbackDeliveryStatus.DeadLettered), Count(CallbackDeliveryStatus.Disabled));
    }
}

/// <summary>A dead letter as <c>GET /api/callbacks/dead-letters</c> lists it.</summary>
public sealed record DeadLetterView(
    string Id, string WorkflowId, string? TaskId, string Event, string Url, string WebhookId, int Attempts, string? LastError, DateTimeOffset DeadLetteredAt, int Redrives)
{
    /// <summary>The view of a stored delivery.</summary>
    public static DeadLetterView From(CallbackRecord r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return new(r.DeliveryId, r.WorkflowId, r.TaskId, r.Event, r.Url, r.WebhookId, r.Attempts, r.LastError, r.UpdatedAt, r.Redrives);
    }
}

/// <summary>A page of dead letters.</summary>
public sealed record DeadLetterPage(IReadOnlyList<DeadLetterView> Items, int Total, int Limit, int Offset);

/// <summary>The body of a redrive request: <c>{"ids": [...]}</c> or <c>{"all": true}</c>.</summary>
public sealed record RedriveRequest(IReadOnlyList<string>? Ids = null, bool All = false);

/// <summary>What a redrive did.</summary>
/// <param name="Redriven">Dead letters whose delivery restarted (same <c>webhook-id</c>).</param>
/// <param name="NotFound">Ids that are not in the dead-letter queue.</param>
public sealed record RedriveResult(IReadOnlyList<string> Redriven, IReadOnlyList<string> NotFound);
