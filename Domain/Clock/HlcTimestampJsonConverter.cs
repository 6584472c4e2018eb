using System.Text.Json;
using System.Text.Json.Serialization;

namespace ServerlessTasks.Domain.Clock;

/// <summary>Reads and writes <see cref="HlcTimestamp"/> as its string form.</summary>
public sealed class HlcTimestampJsonConverter : JsonConverter<HlcTimestamp>
{
    /// <inheritdoc />
    public override HlcTimestamp Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String && HlcTimestamp.TryParse(reader.GetString(), out var stamp)
            ? stamp
            : throw new JsonException("Expected an HLC timestamp string.");

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, HlcTimestamp value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString());
}
