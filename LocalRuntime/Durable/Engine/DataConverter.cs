using System.Text.Json;
using System.Text.Json.Serialization;

namespace LocalRuntime.Durable.Engine;

/// <summary>
/// Serializes inputs, outputs, events and custom status as JSON, as the Functions worker's default
/// serializer does (camelCase, case-insensitive reads).
/// </summary>
public static class DataConverter
{
    /// <summary>The options used for all user data.</summary>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>Serializes a value; null stays null.</summary>
    public static string? Serialize(object? value) =>
        value is null ? null : JsonSerializer.Serialize(value, value.GetType(), Options);

    /// <summary>Deserializes a value; null or empty JSON gives the default.</summary>
    public static T? Deserialize<T>(string? json) =>
        string.IsNullOrEmpty(json) ? default : JsonSerializer.Deserialize<T>(json, Options);

    /// <summary>Deserializes a value of a runtime type.</summary>
    public static object? Deserialize(string? json, Type type) =>
        string.IsNullOrEmpty(json) ? null : JsonSerializer.Deserialize(json, type, Options);
}
