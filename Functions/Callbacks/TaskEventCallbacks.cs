using System.Text.Json;
using ServerlessTasks.Domain.Model;
using ServerlessTasks.TaskIndex;

namespace ServerlessTasks.Functions.Callbacks;

/// <summary>
/// Numbers the callback subscriptions of one task (or workflow), so each delivery has its own journal identity:
/// its <c>callback_delivered</c> event carries the slot as its attempt.
/// </summary>
public static class CallbackSlots
{
    /// <summary>The final report of a workflow or single task (<c>completed</c>).</summary>
    public const int Completion = 1;

    /// <summary>Added for a task's own callback inside a workflow (as opposed to the workflow's subscription).</summary>
    public const int OwnCallbackOffset = 10;

    /// <summary>The slot of an event kind: completed 1, task_started 2, task_completed 3, task_failed 4, task_skipped 5 (+10 for a task's own callback).</summary>
    public static int Of(CallbackEventKind kind, bool ownCallback) => (int)kind + 1 + (ownCallback ? OwnCallbackOffset : 0);
}

/// <summary>What a task's own callback needs to report an event: the callback and the task's result so far.</summary>
/// <param name="Callback">The task's own callback, if it has one.</param>
/// <param name="Result">The task's result, once completed.</param>
public readonly record struct TaskCallbackState(CallbackSpec? Callback, JsonElement? Result);

/// <summary>
/// Turns a batch of journaled task events into the callbacks their subscribers asked for (the Reactor's callback
/// handler, computed by the orchestrator so it stays deterministic and started by the index activity after the
/// events are stored). A workflow's callback may subscribe to <c>task_started</c> (the task was dispatched),
/// <c>task_completed</c>, <c>task_failed</c> and <c>task_skipped</c> of every task; a task's own callback inside a
/// workflow gets its final outcome (<c>completed</c>, default) and any of those events for that task only.
/// </summary>
public static class TaskEventCallbacks
{
    /// <summary>True when some subscription could ever produce a task-event callback (so runs without one skip the work).</summary>
    public static bool AnySubscription(WorkflowSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Callback?.EffectiveEvents.Any(e => e != CallbackEventKind.Completed) == true
            || spec.Tasks.Any(t => t.Callback is not null);
    }

    /// <summary>The delivery id of a task's own callback inside a workflow, for one event (<c>completed</c>, <c>task_started</c>, ...).</summary>
    public static string OwnDeliveryId(string workflowId, string taskId, string eventName) => CallbackKeys.OwnTaskEvent(workflowId, taskId, eventName);

    /// <summary>The notices for <paramref name="events"/>, in event order.</summary>
    /// <param name="workflowId">The orchestration.</param>
    /// <param name="events">Events just journaled.</param>
    /// <param name="workflowCallback">The submission's callback (its <c>task_*</c> events apply to every task).</param>
    /// <param name="taskState">A task's own callback and result; null for tasks without one (single tasks: the callback is the workflow's).</param>
    public static IReadOnlyList<CallbackNotice> For(
        string workflowId, IReadOnlyList<TaskEvent> events, CallbackSpec? workflowCallback, Func<string, TaskCallbackState> taskState)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(taskState);
        var notices = new List<CallbackNotice>();
        foreach (var e in events)
        {
            if (e.TaskId is not { } taskId || !Describe(e.Kind, out var kind, out var status, out var final))
            {
                continue;
            }

            var state = taskState(taskId);
            var result = status == "completed" ? state.Result : null;
            var error = status is "completed" or "running" ? null : e.Detail ?? status;
            if (kind is { } taskEvent && workflowCallback?.EffectiveEvents.Contains(taskEvent) == true)
            {
                notices.Add(Notice(workflowId, e, workflowCallback, taskEvent, status, result, error, ownCallback: false));
            }

            if (state.Callback is not { } own)
            {
                continue;
            }

            if (kind is { } ownEvent && own.EffectiveEvents.Contains(ownEvent))
            {
                notices.Add(Notice(workflowId, e, own, ownEvent, status, result, error, ownCallback: true));
            }

            if (final && own.EffectiveEvents.Contains(CallbackEventKind.Completed))
            {
                notices.Add(Notice(workflowId, e, own, CallbackEventKind.Completed, status, result, error, ownCallback: true));
            }
        }

        return notices;
    }

    private static CallbackNotice Notice(
        string workflowId, TaskEvent e, CallbackSpec callback, CallbackEventKind kind, string status, JsonElement? result, string? error, bool ownCallback)
    {
        var name = JsonSerializer.Serialize(kind).Trim('"');
        var key = ownCallback ? CallbackKeys.OwnTaskEvent(workflowId, e.TaskId!, name) : CallbackKeys.TaskEvent(workflowId, name, e.TaskId!);
        return new CallbackNotice(workflowId, e.TaskId, name, callback.Url, callback.Token, status, result, error, e.Hlc.ToString(), e.At, key, CallbackSlots.Of(kind, ownCallback));
    }

    /// <summary>The subscription a journal event answers to, the status it reports, and whether it is the task's final outcome.</summary>
    private static bool Describe(TaskEventKind eventKind, out CallbackEventKind? kind, out string status, out bool final)
    {
        (kind, status, final) = eventKind switch
        {
            TaskEventKind.Dispatched => (CallbackEventKind.TaskStarted, "running", false),
            TaskEventKind.Completed => (CallbackEventKind.TaskCompleted, "completed", true),
            TaskEventKind.Failed => (CallbackEventKind.TaskFailed, "failed", true),
            TaskEventKind.Skipped => (CallbackEventKind.TaskSkipped, "skipped", true),
            TaskEventKind.Cancelled => ((CallbackEventKind?)null, "cancelled", true),
            _ => ((CallbackEventKind?)null, string.Empty, false),
        };
        return status.Length > 0;
    }
}
