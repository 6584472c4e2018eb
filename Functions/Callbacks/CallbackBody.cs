using System.Text.Json;
using System.Text.Json.Serialization;

namespace ServerlessTasks.Functions.Callbacks;

/// <summary>The JSON body POSTed to a callback URL (snake_case; nulls written so receivers see every field).</summary>
public sealed record CallbackBody(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("token")] string? Token,
    [property: JsonPropertyName("workflow_id")] string WorkflowId,
    [property: JsonPropertyName("task_id")] string? TaskId,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("result")] JsonElement? Result,
    [property: JsonPropertyName("error")] string? Error,
    [property: JsonPropertyName("hlc")] string? Hlc,
    [property: JsonPropertyName("timestamp")] DateTimeOffset Timestamp)
{
    /// <summary>Explicit names above; nulls kept.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.General);

    /// <summary>The body of a notice.</summary>
    public static string Serialize(CallbackNotice notice)
    {
        ArgumentNullException.ThrowIfNull(notice);
        var body = new CallbackBody(notice.Event, notice.Token, notice.WorkflowId, notice.TaskId, notice.Status, notice.Result, notice.Error, notice.Hlc, notice.OccurredAt);
        return JsonSerializer.Serialize(body, JsonOptions);
    }
}
