using System.Globalization;
using System.Text.Json;
using LocalRuntime.Functions.Rpc;

namespace LocalRuntime.Queues;

/// <summary>
/// The messages one queue output value stands for, as Microsoft's host splits a worker's value for a collector:
/// nothing for null, one message per element of a JSON array (or of a string collection), else one message.
/// </summary>
internal static class QueueOutput
{
    public static IReadOnlyList<BinaryData> Messages(TypedData value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.DataCase switch
        {
            TypedData.DataOneofCase.None => [],
            TypedData.DataOneofCase.String => FromText(value.String),
            TypedData.DataOneofCase.Json => FromText(value.Json),
            TypedData.DataOneofCase.Bytes => [BinaryData.FromBytes(value.Bytes.ToByteArray())],
            TypedData.DataOneofCase.Stream => [BinaryData.FromBytes(value.Stream.ToByteArray())],
            TypedData.DataOneofCase.CollectionString => [.. value.CollectionString.String.Select(BinaryData.FromString)],
            TypedData.DataOneofCase.CollectionBytes => [.. value.CollectionBytes.Bytes.Select(b => BinaryData.FromBytes(b.ToByteArray()))],
            TypedData.DataOneofCase.CollectionDouble => [.. value.CollectionDouble.Double.Select(d => BinaryData.FromString(d.ToString(CultureInfo.InvariantCulture)))],
            TypedData.DataOneofCase.CollectionSint64 => [.. value.CollectionSint64.Sint64.Select(i => BinaryData.FromString(i.ToString(CultureInfo.InvariantCulture)))],
            TypedData.DataOneofCase.Int => [BinaryData.FromString(value.Int.ToString(CultureInfo.InvariantCulture))],
            TypedData.DataOneofCase.Double => [BinaryData.FromString(value.Double.ToString(CultureInfo.InvariantCulture))],
            _ => throw new InvalidOperationException($"A queue output cannot carry {value.DataCase} data."),
        };
    }

    private static List<BinaryData> FromText(string text)
    {
        var trimmed = text.AsSpan().Trim();
        var isArray = trimmed.Length >= 2 && trimmed[0] == '[' && trimmed[^1] == ']';
        if (!isArray)
        {
            return [BinaryData.FromString(text)];
        }

        // A JSON array is several messages: string elements as their text, others as their JSON.
        using var document = JsonDocument.Parse(text);
        var messages = new List<BinaryData>(document.RootElement.GetArrayLength());
        foreach (var element in document.RootElement.EnumerateArray())
        {
            if (element.ValueKind == JsonValueKind.Null)
            {
                continue;
            }

            messages.Add(BinaryData.FromString(element.ValueKind == JsonValueKind.String ? element.GetString()! : element.GetRawText()));
        }

        return messages;
    }
}
