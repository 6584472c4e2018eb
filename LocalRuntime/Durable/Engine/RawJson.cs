using System.Text.Json;
using System.Text.Json.Serialization;

namespace LocalRuntime.Durable.Engine;

/// <summary>Already-serialized JSON that serializes as itself (used to pass stored input along unchanged).</summary>
[JsonConverter(typeof(RawJsonConverter))]
public sealed record RawJson(string? Json)
{
    private sealed class RawJsonConverter : JsonConverter<RawJson>
    {
        public override RawJson Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            using var document = JsonDocument.ParseValue(ref reader);
            return new RawJson(document.RootElement.GetRawText());
        }

        public override void Write(Utf8JsonWriter writer, RawJson value, JsonSerializerOptions options)
        {
            if (value.Json is null)
            {
                writer.WriteNullValue();
            }
            else
            {
                writer.WriteRawValue(value.Json);
            }
        }
    }
}
