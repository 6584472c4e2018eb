using System.Text.Json.Serialization;

namespace ServerlessTasks.Domain.Model;

/// <summary>Events a client may subscribe to with <see cref="CallbackSpec.Events"/>.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<CallbackEventKind>))]
public enum CallbackEventKind
{
    /// <summary>The workflow or single task reached its final state (completed, failed, cancelled).</summary>
    [JsonStringEnumMemberName("completed")]
    Completed,

    /// <summary>A task inside a workflow started running.</summary>
    [JsonStringEnumMemberName("task_started")]
    TaskStarted,

    /// <summary>A task inside a workflow completed.</summary>
    [JsonStringEnumMemberName("task_completed")]
    TaskCompleted,

    /// <summary>A task inside a workflow failed after its retries.</summary>
    [JsonStringEnumMemberName("task_failed")]
    TaskFailed,

    /// <summary>A task inside a workflow was skipped because a dependency failed.</summary>
    [JsonStringEnumMemberName("task_skipped")]
    TaskSkipped,
}
