using System.Globalization;
using System.Text.Json;

namespace ServerlessTasks.Domain.Validation;

/// <summary>
/// Checks a task type's payload at submission, so a payload its runner would refuse, or silently change (a negative
/// delay, an iteration count over the cap), is refused with 422 instead. Keyed by task type (case-insensitive);
/// types without a rule take any payload.
/// </summary>
public sealed class PayloadRules
{
    private readonly Dictionary<string, Func<JsonElement?, string?>> _rules = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>No rules: every payload is accepted.</summary>
    public static PayloadRules None { get; } = new();

    /// <summary>Adds the rule for <paramref name="taskType"/>: it returns why a payload is refused, or null.</summary>
    public PayloadRules Add(string taskType, Func<JsonElement?, string?> rule)
    {
        ArgumentException.ThrowIfNullOrEmpty(taskType);
        ArgumentNullException.ThrowIfNull(rule);
        _rules[taskType] = rule;
        return this;
    }

    /// <summary>Why the payload is refused for this task type, or null when it is fine.</summary>
    public string? Check(string? taskType, JsonElement? payload) =>
        taskType is not null && _rules.TryGetValue(taskType, out var rule) ? rule(payload) : null;

    /// <summary>
    /// A rule for an optional number field <c>payload.{field}</c>: when present it must be a JSON number from
    /// <paramref name="min"/> to <paramref name="max"/> (a whole number when <paramref name="whole"/>).
    /// </summary>
    public static Func<JsonElement?, string?> OptionalNumber(string field, double min, double max, bool whole = false) => payload =>
    {
        if (payload is not { ValueKind: JsonValueKind.Object } p || !p.TryGetProperty(field, out var value))
        {
            return null;
        }

        var range = string.Create(CultureInfo.InvariantCulture, $"{(whole ? "a whole JSON number" : "a JSON number")} from {min} to {max}");
        if (value.ValueKind != JsonValueKind.Number)
        {
            return $"payload.{field} must be {range} (got {Describe(value)})";
        }

        var number = value.GetDouble();
        return number < min || number > max || (whole && Math.Floor(number) != number)
            ? $"payload.{field} must be {range} (got {value.GetRawText()})"
            : null;
    };

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => "a string",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        JsonValueKind.Null => "null",
        _ => value.GetRawText(),
    };
}
