using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ServerlessTasks.TableStorage;

/// <summary>
/// Partition and row keys for Azure Tables. Ids are escaped reversibly (<c>%XX</c> of their UTF-8 bytes) wherever
/// Tables forbids a character (<c>/ \ # ?</c>, control characters) or our keys use it as structure (<c>!</c>, the
/// separator; <c>%</c>, the escape itself); ids the API accepts (letters, digits, <c>- _ . : @</c>) pass unchanged.
/// </summary>
/// <remarks>
/// The separator <c>!</c> sorts below every character an escaped id can contain, so a composite key sorts as the
/// tuple of its parts: <c>"a!..."</c> before <c>"ab!..."</c>, as <c>"a"</c> before <c>"ab"</c>.
/// </remarks>
public static class TableKeys
{
    /// <summary>Separates the parts of a composite key.</summary>
    public const char Separator = '!';

    /// <summary>The character right after <see cref="Separator"/>: <c>prefix + After</c> bounds every key starting with <c>prefix + Separator</c>.</summary>
    public const char AfterSeparator = '"';

    /// <summary>The escaped form of an id (empty stays empty).</summary>
    public static string Escape(string? id)
    {
        if (string.IsNullOrEmpty(id))
        {
            return string.Empty;
        }

        if (!id.Any(NeedsEscape))
        {
            return id;
        }

        var text = new StringBuilder(id.Length + 8);
        Span<byte> bytes = stackalloc byte[4];
        for (var i = 0; i < id.Length; i++)
        {
            var c = id[i];
            if (!NeedsEscape(c))
            {
                text.Append(c);
                continue;
            }

            var length = Encoding.UTF8.GetBytes(id.AsSpan(i, 1), bytes); // every escaped character is one UTF-16 unit
            foreach (var b in bytes[..length])
            {
                text.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return text.ToString();
    }

    /// <summary>Reverses <see cref="Escape"/>.</summary>
    public static string Unescape(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!key.Contains('%', StringComparison.Ordinal))
        {
            return key;
        }

        // Runs of %XX are UTF-8 bytes of escaped characters; everything else is kept as it is (surrogate pairs too).
        var text = new StringBuilder(key.Length);
        var run = new List<byte>();
        for (var i = 0; i < key.Length; i++)
        {
            if (key[i] == '%' && i + 2 < key.Length && byte.TryParse(key.AsSpan(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b))
            {
                run.Add(b);
                i += 2;
                continue;
            }

            Flush();
            text.Append(key[i]);
        }

        Flush();
        return text.ToString();

        void Flush()
        {
            if (run.Count > 0)
            {
                text.Append(Encoding.UTF8.GetString([.. run]));
                run.Clear();
            }
        }
    }

    /// <summary>A composite key: the parts escaped and joined by <see cref="Separator"/>.</summary>
    public static string Join(params string?[] parts) => string.Join(Separator, parts.Select(Escape));

    /// <summary>An OData filter for keys starting with <paramref name="prefix"/> (which should end with the separator).</summary>
    public static string RowKeyPrefixFilter(string partitionKey, string prefix) =>
        $"PartitionKey eq '{Quote(partitionKey)}' and RowKey ge '{Quote(prefix)}' and RowKey lt '{Quote(UpperBound(prefix))}'";

    /// <summary>The smallest key greater than every key starting with <paramref name="prefix"/>.</summary>
    public static string UpperBound(string prefix)
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        return prefix[..^1] + (char)(prefix[^1] + 1);
    }

    /// <summary>A string literal for an OData filter.</summary>
    public static string Quote(string value) => value.Replace("'", "''", StringComparison.Ordinal);

    /// <summary>A short stable bucket (two hex digits of SHA-256) that spreads keys over 256 partitions.</summary>
    public static string Bucket(string value)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(value), hash);
        return hash[0].ToString("x2", CultureInfo.InvariantCulture);
    }

    /// <summary>The SHA-256 of a value as hex: a fixed-length key for values that may be longer than a key may be (URLs).</summary>
    public static string Hash(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));

    private static bool NeedsEscape(char c) =>
        c is '%' or '!' or '/' or '\\' or '#' or '?' or '\'' or '"' || char.IsControl(c);
}
