using System.Text.Json;
using System.Text.Json.Serialization;

namespace ServerlessTasks.Functions.Http;

/// <summary>The public API's JSON conventions: snake_case names and enum values, ISO 8601 times.</summary>
public static class ApiJson
{
    /// <summary>Options for reading requests and writing responses.</summary>
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            DictionaryKeyPolicy = null,
            PropertyNameCaseInsensitive = false,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            MaxDepth = 64,
            AllowDuplicateProperties = false,
            // Numbers must be JSON numbers: the web defaults would take "priority": "5" as 5.
            NumberHandling = JsonNumberHandling.Strict,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false));
        options.TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver();
        options.MakeReadOnly();
        return options;
    }
}
