using System.Text.Json;

namespace ServerlessTasks.Activities;

/// <summary>Reads optional fields of a task payload.</summary>
public static class TaskPayload
{
    /// <summary>A number field, or null when absent or not a number.</summary>
    public static double? GetDouble(JsonElement? payload, string name) =>
        payload is { ValueKind: JsonValueKind.Object } p && p.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

    /// <summary>A string field, or null.</summary>
    public static string? GetString(JsonElement? payload, string name) =>
        payload is { ValueKind: JsonValueKind.Object } p && p.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>A field of any kind, or null.</summary>
    public static JsonElement? Get(JsonElement? payload, string name) =>
        payload is { ValueKind: JsonValueKind.Object } p && p.TryGetProperty(name, out var v) ? v : null;
}
