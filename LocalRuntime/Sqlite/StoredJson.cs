using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using LocalRuntime.Durable.Engine;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace LocalRuntime.Sqlite;

/// <summary>
/// The stored JSON shape of a history event (history rows and message rows). It is separate from
/// <see cref="HistoryEvent"/> so that the file format is stable: enums are stored by name (the engine's
/// enums may gain members), times as UTC ticks (exact), absent fields are omitted.
/// </summary>
internal sealed class StoredEvent
{
    public HistoryEventType Type { get; set; }

    public long Timestamp { get; set; }

    public int TaskId { get; set; } = -1;

    public string? Name { get; set; }

    public string? Data { get; set; }

    public StoredFailure? Failure { get; set; }

    public string? InstanceId { get; set; }

    public string? ExecutionId { get; set; }

    public long? FireAt { get; set; }

    public OrchestrationRuntimeStatus? Status { get; set; }

    public StoredParent? Parent { get; set; }

    public Dictionary<string, string>? Tags { get; set; }
}

/// <summary>Stored shape of <see cref="TaskFailureDetails"/>, recursive through the inner failure.</summary>
internal sealed class StoredFailure
{
    public string ErrorType { get; set; } = string.Empty;

    public string ErrorMessage { get; set; } = string.Empty;

    public string? StackTrace { get; set; }

    public StoredFailure? InnerFailure { get; set; }

    public Dictionary<string, JsonElement>? Properties { get; set; }
}

/// <summary>Stored shape of <see cref="ParentInfo"/>.</summary>
internal sealed class StoredParent
{
    public string Name { get; set; } = string.Empty;

    public string InstanceId { get; set; } = string.Empty;

    public string ExecutionId { get; set; } = string.Empty;

    public int TaskId { get; set; }
}

/// <summary>The JSON column of an instance row: what is never queried.</summary>
internal sealed class StoredInstanceDetails
{
    public StoredFailure? Failure { get; set; }

    public Dictionary<string, string>? Tags { get; set; }
}

/// <summary>Source-generated serializers for the stored shapes (no reflection at run time).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(StoredEvent))]
[JsonSerializable(typeof(StoredInstanceDetails))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(double))]
[JsonSerializable(typeof(decimal))]
[JsonSerializable(typeof(bool))]
internal sealed partial class StoredJsonContext : JsonSerializerContext;

/// <summary>Conversions between engine types and their stored form.</summary>
internal static class StoredJson
{
    private static readonly JsonElement JsonNull = JsonDocument.Parse("null").RootElement.Clone();

    /// <summary>UTC ticks of a time; local times are converted, unspecified ones are taken as UTC.</summary>
    public static long ToUtcTicks(DateTime value) => value.Kind == DateTimeKind.Local ? value.ToUniversalTime().Ticks : value.Ticks;

    public static DateTime FromUtcTicks(long ticks) => new(ticks, DateTimeKind.Utc);

    public static string SerializeEvent(HistoryEvent e) => JsonSerializer.Serialize(
        new StoredEvent
        {
            Type = e.Type,
            Timestamp = ToUtcTicks(e.Timestamp),
            TaskId = e.TaskId,
            Name = e.Name,
            Data = e.Data,
            Failure = ToStored(e.Failure),
            InstanceId = e.InstanceId,
            ExecutionId = e.ExecutionId,
            FireAt = e.FireAt is { } fireAt ? ToUtcTicks(fireAt) : null,
            Status = e.Status,
            Parent = e.Parent is { } p ? new StoredParent { Name = p.Name, InstanceId = p.InstanceId, ExecutionId = p.ExecutionId, TaskId = p.TaskId } : null,
            Tags = ToDictionary(e.Tags),
        },
        StoredJsonContext.Default.StoredEvent);

    public static HistoryEvent DeserializeEvent(string json)
    {
        var s = JsonSerializer.Deserialize(json, StoredJsonContext.Default.StoredEvent)
            ?? throw new InvalidDataException("A stored history event is null.");
        return new HistoryEvent
        {
            Type = s.Type,
            Timestamp = FromUtcTicks(s.Timestamp),
            TaskId = s.TaskId,
            Name = s.Name,
            Data = s.Data,
            Failure = FromStored(s.Failure),
            InstanceId = s.InstanceId,
            ExecutionId = s.ExecutionId,
            FireAt = s.FireAt is { } fireAt ? FromUtcTicks(fireAt) : null,
            Status = s.Status,
            Parent = s.Parent is { } p ? new ParentInfo(p.Name, p.InstanceId, p.ExecutionId, p.TaskId) : null,
            Tags = s.Tags,
        };
    }

    /// <summary>The details column of an instance; null when there is nothing to store.</summary>
    public static string? SerializeDetails(InstanceState state) =>
        state.Failure is null && state.Tags is null
            ? null
            : JsonSerializer.Serialize(
                new StoredInstanceDetails { Failure = ToStored(state.Failure), Tags = ToDictionary(state.Tags) },
                StoredJsonContext.Default.StoredInstanceDetails);

    public static StoredInstanceDetails? DeserializeDetails(string? json) =>
        json is null ? null : JsonSerializer.Deserialize(json, StoredJsonContext.Default.StoredInstanceDetails);

    public static TaskFailureDetails? FromStored(StoredFailure? s) => s is null
        ? null
        : new TaskFailureDetails(s.ErrorType, s.ErrorMessage, s.StackTrace, FromStored(s.InnerFailure))
        {
            Properties = s.Properties?.ToDictionary(p => p.Key, p => FromElement(p.Value), StringComparer.Ordinal),
        };

    private static StoredFailure? ToStored(TaskFailureDetails? f) => f is null
        ? null
        : new StoredFailure
        {
            ErrorType = f.ErrorType,
            ErrorMessage = f.ErrorMessage,
            StackTrace = f.StackTrace,
            InnerFailure = ToStored(f.InnerFailure),
            Properties = f.Properties?.ToDictionary(p => p.Key, p => ToElement(p.Value), StringComparer.Ordinal),
        };

    private static Dictionary<string, string>? ToDictionary(IReadOnlyDictionary<string, string>? tags) =>
        tags is null ? null : new Dictionary<string, string>(tags, StringComparer.Ordinal);

    /// <summary>
    /// Failure properties are stored as JSON values: strings, booleans and numbers come back as
    /// <see cref="string"/>, <see cref="bool"/>, <see cref="long"/> (or <see cref="double"/>); other
    /// objects are stored as their invariant string form; JSON elements are stored as they are.
    /// </summary>
    private static JsonElement ToElement(object? value) => value switch
    {
        null => JsonNull,
        JsonElement element => element,
        string s => JsonSerializer.SerializeToElement(s, StoredJsonContext.Default.String),
        bool b => JsonSerializer.SerializeToElement(b, StoredJsonContext.Default.Boolean),
        byte or sbyte or short or ushort or int or uint or long => JsonSerializer.SerializeToElement(Convert.ToInt64(value, CultureInfo.InvariantCulture), StoredJsonContext.Default.Int64),
        float or double => JsonSerializer.SerializeToElement(Convert.ToDouble(value, CultureInfo.InvariantCulture), StoredJsonContext.Default.Double),
        decimal or ulong => JsonSerializer.SerializeToElement(Convert.ToDecimal(value, CultureInfo.InvariantCulture), StoredJsonContext.Default.Decimal),
        DateTime d => JsonSerializer.SerializeToElement(d.ToString("O", CultureInfo.InvariantCulture), StoredJsonContext.Default.String),
        DateTimeOffset d => JsonSerializer.SerializeToElement(d.ToString("O", CultureInfo.InvariantCulture), StoredJsonContext.Default.String),
        _ => JsonSerializer.SerializeToElement(Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty, StoredJsonContext.Default.String),
    };

    private static object? FromElement(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        JsonValueKind.String => element.GetString(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Number when element.TryGetInt64(out var l) => l,
        JsonValueKind.Number => element.GetDouble(),
        _ => element.Clone(),
    };
}
