using System.Globalization;
using DurableTask.Core;
using DurableTask.Core.History;
using DurableTask.Core.Serializing;

namespace LocalRuntime.Sqlite.Storage;

/// <summary>
/// How history events, messages and the JSON columns are stored: DTFx's own typed JSON
/// (<see cref="JsonDataConverter"/>: Newtonsoft with <c>$type</c> names and DTFx's binder, no date parsing of
/// strings). Every <see cref="HistoryEvent"/> subtype (entity, suspend and rewind events included) round-trips
/// with all its data members, because it is the format DTFx itself uses for history and session state; a field
/// DTFx adds later is kept without a schema change. Times as UTC ticks where a column is queried.
/// </summary>
internal static class DataJson
{
    private static readonly JsonDataConverter Converter = JsonDataConverter.Default;

    public static string Serialize(HistoryEvent historyEvent) => Converter.Serialize(historyEvent);

    public static HistoryEvent DeserializeEvent(string json) => Converter.Deserialize<HistoryEvent>(json);

    public static string Serialize(TaskMessage message) => Converter.Serialize(message);

    public static TaskMessage DeserializeMessage(string json) => Converter.Deserialize<TaskMessage>(json);

    public static string? SerializeOrNull(object? value) => value is null ? null : Converter.Serialize(value);

    public static T? DeserializeOrNull<T>(string? json)
        where T : class => json is null ? null : Converter.Deserialize<T>(json);

    public static long Ticks(DateTime time) => time.Kind switch
    {
        DateTimeKind.Local => time.ToUniversalTime().Ticks,
        _ => time.Ticks, // UTC, or unspecified as DTFx writes UTC without a kind in places
    };

    public static long? Ticks(DateTime? time) => time is { } t ? Ticks(t) : null;

    public static DateTime FromTicks(long ticks) => new(ticks, DateTimeKind.Utc);

    public static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
}
