using System.Globalization;
using System.Runtime.CompilerServices;
using DurableTask.Core;
using DurableTask.Core.History;
using DurableTask.Core.Serializing;
using Newtonsoft.Json;
using Newtonsoft.Json.Serialization;

namespace LocalRuntime.Sqlite.Storage;

/// <summary>
/// How history events, messages and the JSON columns are stored: DTFx's own typed JSON (the settings of its
/// <see cref="JsonDataConverter"/>: Newtonsoft over the types' data contracts with <c>$type</c> names, no date
/// parsing of strings), so every <see cref="HistoryEvent"/> subtype (entity, suspend and rewind events included)
/// round-trips with all its data members and a field DTFx adds later is kept without a schema change. Two
/// additions: types DTFx gave no constructor Newtonsoft can use (<see cref="ExecutionRewoundEvent"/>) are created
/// uninitialized and filled from their data members, and only DTFx and framework types may be named by
/// <c>$type</c>. Times as UTC ticks where a column is queried.
/// </summary>
internal static class DataJson
{
    private static readonly JsonDataConverter Converter = new(new JsonSerializerSettings
    {
        TypeNameHandling = TypeNameHandling.Objects,
        DateParseHandling = DateParseHandling.None,
        ContractResolver = new DataContractResolver(),
        SerializationBinder = new KnownTypesBinder(),
    });

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

/// <summary>Creates objects of types without a usable constructor uninitialized (their data members come from the JSON).</summary>
internal sealed class DataContractResolver : DefaultContractResolver
{
    protected override JsonObjectContract CreateObjectContract(Type objectType)
    {
        var contract = base.CreateObjectContract(objectType);
        if (contract.DefaultCreator is null && contract.OverrideCreator is null && contract.CreatorParameters.Count == 0
            && !objectType.IsAbstract && !objectType.IsInterface
            && objectType.GetConstructors().Length != 1)
        {
            contract.DefaultCreator = () => RuntimeHelpers.GetUninitializedObject(objectType);
        }

        return contract;
    }
}

/// <summary>Only DTFx's and the framework's types may be named by <c>$type</c> in stored JSON.</summary>
/// <remarks>
/// Names are cached per type and given with the assembly's simple name: the text Newtonsoft writes is the same as with
/// the default binder (it strips version, culture and key from the full name anyway), without building and trimming
/// the full assembly name for every object written (type naming was 2% of a fan-out's host CPU samples).
/// </remarks>
internal sealed class KnownTypesBinder : DefaultSerializationBinder
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Type, (string? Assembly, string? Type)> _names = new();

    public override void BindToName(Type serializedType, out string? assemblyName, out string? typeName)
    {
        ArgumentNullException.ThrowIfNull(serializedType);
        (assemblyName, typeName) = _names.GetOrAdd(serializedType, static type =>
        {
            // Generic arguments carry full assembly names inside the type name; Newtonsoft trims those too, so leave them to it.
            return (type.Assembly.GetName().Name, type.FullName);
        });
    }

    public override Type BindToType(string? assemblyName, string typeName)
    {
        if (assemblyName is not null
            && !assemblyName.StartsWith("DurableTask.", StringComparison.Ordinal)
            && !assemblyName.StartsWith("System.", StringComparison.Ordinal)
            && assemblyName != "mscorlib" && assemblyName != "netstandard")
        {
            throw new JsonSerializationException($"Type '{typeName}' from '{assemblyName}' is not allowed in stored JSON.");
        }

        return base.BindToType(assemblyName, typeName);
    }
}
