using System.Text;
using Azure.Data.Tables;

namespace ServerlessTasks.TableStorage;

/// <summary>
/// Text properties of any length up to <see cref="MaxBytes"/> on a table entity. A string property holds at most
/// 32 K UTF-16 characters (64 KiB), so longer text is stored as UTF-8 in binary properties <c>Name_0</c>,
/// <c>Name_1</c>, ... of 64 KiB each; short text stays a readable string property. Absent means null.
/// </summary>
public static class TableText
{
    /// <summary>The largest text kept on one entity (an entity holds at most 1 MiB, the other properties included).</summary>
    public const int MaxBytes = 900 * 1024;

    private const int ChunkBytes = 64 * 1024;
    private const int MaxStringChars = 32 * 1024;

    /// <summary>Sets <paramref name="name"/> to <paramref name="value"/> (nothing for null).</summary>
    /// <exception cref="TableTextTooLargeException">The text is longer than <see cref="MaxBytes"/> in UTF-8.</exception>
    public static void Set(TableEntity entity, string name, string? value)
    {
        ArgumentNullException.ThrowIfNull(entity);
        if (value is null)
        {
            return;
        }

        if (value.Length <= MaxStringChars)
        {
            entity[name] = value;
            return;
        }

        var bytes = Encoding.UTF8.GetBytes(value);
        if (bytes.Length > MaxBytes)
        {
            throw new TableTextTooLargeException(name, bytes.Length);
        }

        for (var (offset, index) = (0, 0); offset < bytes.Length; offset += ChunkBytes, index++)
        {
            entity[$"{name}_{index}"] = bytes.AsSpan(offset, Math.Min(ChunkBytes, bytes.Length - offset)).ToArray();
        }
    }

    /// <summary>Reads what <see cref="Set"/> wrote; null when absent.</summary>
    public static string? Get(TableEntity entity, string name)
    {
        ArgumentNullException.ThrowIfNull(entity);
        if (entity.TryGetValue(name, out var plain) && plain is string text)
        {
            return text;
        }

        if (!entity.ContainsKey($"{name}_0"))
        {
            return null;
        }

        using var buffer = new MemoryStream();
        for (var index = 0; entity.TryGetValue($"{name}_{index}", out var chunk) && chunk is byte[] bytes; index++)
        {
            buffer.Write(bytes);
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>The property names a select must name to read <paramref name="name"/> whole.</summary>
    public static IEnumerable<string> Columns(string name)
    {
        yield return name;
        for (var index = 0; index * ChunkBytes < MaxBytes; index++)
        {
            yield return $"{name}_{index}";
        }
    }
}

/// <summary>A text value does not fit on a table entity: a documented limit of the Azure Tables stores, never retried.</summary>
public sealed class TableTextTooLargeException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public TableTextTooLargeException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public TableTextTooLargeException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public TableTextTooLargeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a property and its size.</summary>
    public TableTextTooLargeException(string property, int bytes)
        : base($"'{property}' is {bytes} bytes; the Azure Tables store keeps at most {TableText.MaxBytes} bytes of it per entity.")
    {
    }
}
