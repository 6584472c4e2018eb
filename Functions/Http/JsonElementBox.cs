using System.Text.Json;
using System.Text.Json.Serialization;

namespace ServerlessTasks.Functions.Http;

/// <summary>Any JSON value as a reference type, so <see cref="JsonBody"/> can read arbitrary bodies.</summary>
[JsonConverter(typeof(Converter))]
public sealed class JsonElementBox(JsonElement value)
{
    /// <summary>The value.</summary>
    public JsonElement Value { get; } = value;

    private sealed class Converter : JsonConverter<JsonElementBox>
    {
        public override JsonElementBox Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            new(JsonElement.ParseValue(ref reader));

        public override void Write(Utf8JsonWriter writer, JsonElementBox value, JsonSerializerOptions options) => value.Value.WriteTo(writer);
    }
}
