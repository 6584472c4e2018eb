using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;

namespace ServerlessTasks.Functions.Http;

/// <summary>
/// Turns a <see cref="JsonException"/> from reading a request body into a sentence a client can act on: the JSON
/// field (as sent, e.g. <c>tasks[0].priority</c>), what it must be (a JSON number, one of the enum's values...) and
/// what was sent. The serializer's own messages name .NET types, which mean nothing to a client.
/// </summary>
public static partial class JsonFieldErrors
{
    /// <summary>Describes why <paramref name="body"/> could not be read as <paramref name="target"/>.</summary>
    /// <param name="error">The serializer's exception.</param>
    /// <param name="target">The type the body was read as.</param>
    /// <param name="body">The body (UTF-8 JSON), to say what the offending field held.</param>
    /// <param name="options">The options it was read with (JSON names, enum naming).</param>
    public static string Describe(JsonException error, Type target, ReadOnlySpan<byte> body, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(options);
        var path = error.Path ?? "$";
        var field = path == "$" ? null : path.TrimStart('$').TrimStart('.');
        if (error.Message.Contains("could not be converted", StringComparison.Ordinal) && TypeAt(target, path, options) is { } expected)
        {
            var sent = KindAt(body, path);
            var got = sent is null ? string.Empty : $" (got {sent})";
            return field is null
                ? $"The body must be {Expectation(expected, options)}{got}."
                : $"Field '{field}' must be {Expectation(expected, options)}{got}.";
        }

        var text = FirstSentence(error.Message);
        text = DotNetTypeName().Replace(text, string.Empty).Replace("  ", " ", StringComparison.Ordinal).Replace(" .", ".", StringComparison.Ordinal);
        return field is null ? text : $"{text} (at '{field}')";
    }

    /// <summary>What a value of <paramref name="type"/> must be, in JSON terms.</summary>
    public static string Expectation(Type type, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(type);
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type.IsEnum)
        {
            return $"one of {string.Join(", ", EnumNames(type, options).Select(n => $"\"{n}\""))}";
        }

        if (type == typeof(string))
        {
            return "a string";
        }

        if (type == typeof(bool))
        {
            return "true or false";
        }

        if (type == typeof(int) || type == typeof(long) || type == typeof(short) || type == typeof(uint) || type == typeof(ulong))
        {
            return "a whole JSON number (not a string)";
        }

        if (type == typeof(double) || type == typeof(float) || type == typeof(decimal))
        {
            return "a JSON number (not a string)";
        }

        if (type == typeof(DateTimeOffset) || type == typeof(DateTime))
        {
            return "an ISO 8601 date-time string such as \"2030-01-01T00:00:00Z\"";
        }

        if (type == typeof(JsonElement))
        {
            return "a JSON value";
        }

        var info = options.GetTypeInfo(type);
        return info.Kind switch
        {
            JsonTypeInfoKind.Enumerable => $"an array whose items are each {Expectation(info.ElementType!, options)}",
            JsonTypeInfoKind.Dictionary => "a JSON object",
            _ => "a JSON object",
        };
    }

    /// <summary>The JSON names of an enum's values, as the API reads and writes them.</summary>
    public static IReadOnlyList<string> EnumNames(Type enumType, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(enumType);
        ArgumentNullException.ThrowIfNull(options);
        return
        [
            .. enumType.GetFields(BindingFlags.Public | BindingFlags.Static).Select(f =>
                f.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? JsonNamingPolicy.SnakeCaseLower.ConvertName(f.Name)),
        ];
    }

    /// <summary>The declared type at a serializer path such as <c>$.tasks[0].priority</c>, or null when unknown.</summary>
    private static Type? TypeAt(Type root, string path, JsonSerializerOptions options)
    {
        var type = root;
        foreach (var segment in Segments(path))
        {
            type = Nullable.GetUnderlyingType(type) ?? type;
            var info = options.GetTypeInfo(type);
            if (segment.Index is not null)
            {
                if (info.Kind != JsonTypeInfoKind.Enumerable)
                {
                    return null;
                }

                type = info.ElementType!;
                continue;
            }

            var property = info.Kind == JsonTypeInfoKind.Object
                ? info.Properties.FirstOrDefault(p => p.Name == segment.Name)
                : null;
            if (property is null)
            {
                return info.Kind == JsonTypeInfoKind.Dictionary ? info.ElementType : null;
            }

            type = property.PropertyType;
        }

        return type;
    }

    /// <summary>The JSON kind at a path in the body ("a string", "an array"...), or null when it cannot be read.</summary>
    private static string? KindAt(ReadOnlySpan<byte> body, string path)
    {
        try
        {
            using var document = JsonDocument.Parse(body.ToArray());
            var element = document.RootElement;
            foreach (var segment in Segments(path))
            {
                if (segment.Index is { } index)
                {
                    if (element.ValueKind != JsonValueKind.Array || index >= element.GetArrayLength())
                    {
                        return null;
                    }

                    element = element[index];
                }
                else if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(segment.Name!, out element))
                {
                    return null;
                }
            }

            return element.ValueKind switch
            {
                JsonValueKind.String => $"the string {Quote(element.GetString()!)}",
                JsonValueKind.Number => $"the number {element.GetRawText()}",
                JsonValueKind.True or JsonValueKind.False => element.GetRawText(),
                JsonValueKind.Null => "null",
                JsonValueKind.Array => "an array",
                JsonValueKind.Object => "an object",
                _ => null,
            };
        }
        catch (JsonException)
        {
            return null; // the body is not well-formed past the field: say what is expected only
        }
    }

    private static string Quote(string value) => value.Length <= 40 ? $"\"{value}\"" : $"\"{value[..40]}...\"";

    private static IEnumerable<(string? Name, int? Index)> Segments(string path)
    {
        var i = path.StartsWith('$') ? 1 : 0;
        while (i < path.Length)
        {
            if (path[i] == '.')
            {
                var end = path.IndexOfAny(['.', '['], i + 1);
                end = end < 0 ? path.Length : end;
                yield return (path[(i + 1)..end], null);
                i = end;
            }
            else if (path[i] == '[' && i + 1 < path.Length && path[i + 1] == '\'')
            {
                var end = path.IndexOf("']", i + 2, StringComparison.Ordinal);
                if (end < 0)
                {
                    yield break;
                }

                yield return (path[(i + 2)..end], null);
                i = end + 2;
            }
            else if (path[i] == '[')
            {
                var end = path.IndexOf(']', i + 1);
                if (end < 0 || !int.TryParse(path.AsSpan(i + 1, end - i - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                {
                    yield break;
                }

                yield return (null, index);
                i = end + 1;
            }
            else
            {
                yield break;
            }
        }
    }

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? message : message[..(end + 1)];
    }

    /// <summary>A .NET type name the serializer put in its message (with its lead-in words), removed from the text.</summary>
    [GeneratedRegex(@"\s*(?:during deserialization of |for |of |to )?(?:type )?'?\b(?:ServerlessTasks|System|Microsoft)(?:\.[\w`]+)+(?:\[[^\]]*\])?'?")]
    private static partial Regex DotNetTypeName();
}
