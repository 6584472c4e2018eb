using Google.Protobuf.WellKnownTypes;

namespace LocalRuntime.Durable.Protobuf;

/// <summary>Timestamps between DTFx (<see cref="DateTime"/>, often Unspecified kind) and protobuf (UTC only).</summary>
internal static class ProtoTime
{
    /// <summary>A protobuf timestamp; DTFx times of Unspecified kind are UTC by convention (protobuf refuses other kinds).</summary>
    public static Timestamp ToTimestamp(DateTime value) => Timestamp.FromDateTime(value.Kind switch
    {
        DateTimeKind.Utc => value,
        DateTimeKind.Local => value.ToUniversalTime(),
        _ => DateTime.SpecifyKind(value, DateTimeKind.Utc),
    });

    /// <summary>Null stays null.</summary>
    public static Timestamp? ToTimestamp(DateTime? value) => value is { } v ? ToTimestamp(v) : null;
}
