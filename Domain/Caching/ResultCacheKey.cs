using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace ServerlessTasks.Domain.Caching;

/// <summary>
/// The result cache's key: SHA-256 (lowercase hex) of the tenant, the task type (lowercase) and the payload as canonical
/// JSON, so the same request hits whatever the order of its object keys or its whitespace, and one tenant never hits
/// another's entry.
/// </summary>
public static class ResultCacheKey
{
    /// <summary>The key of <paramref name="taskType"/> with <paramref name="payload"/> for <paramref name="tenant"/> (null: no tenant).</summary>
    public static string For(string? tenant, string taskType, JsonElement? payload)
    {
        ArgumentNullException.ThrowIfNull(taskType);
        // Length-prefixed parts, so no tenant or type text can run into the next part.
        var text = new StringBuilder()
            .Append(tenant?.Length ?? -1).Append(':').Append(tenant).Append('\n')
            .Append(taskType.Length).Append(':').Append(taskType.ToLowerInvariant()).Append('\n')
            .Append(Canonical(payload))
            .ToString();
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>
    /// The canonical text of a JSON value: object properties sorted by name (ordinal, the last of duplicate names kept,
    /// as a JSON reader keeps it), no whitespace, strings re-encoded one way; numbers keep their text. No payload is <c>null</c>.
    /// </summary>
    public static string Canonical(JsonElement? value)
    {
        if (value is not { } element || element.ValueKind == JsonValueKind.Undefined)
        {
            return "null";
        }

        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, Indented = false }))
        {
            Write(writer, element);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void Write(Utf8JsonWriter writer, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                var properties = new SortedDictionary<string, JsonElement>(StringComparer.Ordinal);
                foreach (var property in element.EnumerateObject())
                {
                    properties[property.Name] = property.Value;
                }

                foreach (var (name, value) in properties)
                {
                    writer.WritePropertyName(name);
                    Write(writer, value);
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    Write(writer, item);
                }

                writer.WriteEndArray();
                break;
            case JsonValueKind.String:
                writer.WriteStringValue(element.GetString());
                break;
            default:
                element.WriteTo(writer); // numbers, true, false, null: their own text
                break;
        }
    }
}
