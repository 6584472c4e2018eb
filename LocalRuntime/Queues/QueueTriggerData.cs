using System.Globalization;
using LocalRuntime.Functions.Extensibility;
using LocalRuntime.Functions.Rpc;

namespace LocalRuntime.Queues;

/// <summary>
/// A delivery as Microsoft's host hands it to an out-of-process worker: the message as the trigger input and the
/// queue extension's binding data as trigger metadata (strings as strings, everything else JSON-serialized).
/// </summary>
internal static class QueueTriggerData
{
    /// <summary>The trigger input: bytes for a <c>binary</c> binding, otherwise the UTF-8 text (the worker deserializes POCOs from it).</summary>
    public static TypedData Input(FunctionBinding trigger, QueueMessage message)
    {
        var dataType = trigger.GetString("dataType");
        return string.Equals(dataType, "binary", StringComparison.OrdinalIgnoreCase)
            ? new TypedData { Bytes = Google.Protobuf.ByteString.CopyFrom(message.Body.ToMemory().Span) }
            : new TypedData { String = message.Text };
    }

    /// <summary>The binding data: <c>QueueTrigger</c>, <c>Id</c>, <c>DequeueCount</c>, <c>InsertionTime</c>, <c>ExpirationTime</c>, <c>NextVisibleTime</c>, <c>PopReceipt</c>.</summary>
    public static Dictionary<string, TypedData> Metadata(QueueMessage message) => new(StringComparer.Ordinal)
    {
        ["QueueTrigger"] = new TypedData { String = message.Text },
        ["Id"] = new TypedData { String = message.Id },
        ["DequeueCount"] = new TypedData { Json = message.DequeueCount.ToString(CultureInfo.InvariantCulture) },
        ["InsertionTime"] = Time(message.InsertedOn),
        ["ExpirationTime"] = Time(message.ExpiresOn),
        ["NextVisibleTime"] = Time(message.NextVisibleOn),
        ["PopReceipt"] = new TypedData { String = message.PopReceipt ?? string.Empty },
    };

    /// <summary>A DateTimeOffset as Json.NET writes one (ISO 8601, offset, no trailing zero fractions), in JSON quotes.</summary>
    internal static TypedData Time(DateTimeOffset value) =>
        new() { Json = "\"" + value.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture) + "\"" };
}
