using System.Text.Json;
using System.Text.Json.Serialization;

namespace LocalRuntime.Durable.Engine;

/// <summary>Reads and writes histories as readable JSON (enum names, ISO times), e.g. for checked-in replay tests.</summary>
public static class HistorySerializer
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>Serializes a history.</summary>
    public static string Serialize(IReadOnlyList<HistoryEvent> history) => JsonSerializer.Serialize(history, Options);

    /// <summary>Deserializes a history.</summary>
    public static IReadOnlyList<HistoryEvent> Deserialize(string json) =>
        JsonSerializer.Deserialize<List<HistoryEvent>>(json, Options) ?? [];
}
