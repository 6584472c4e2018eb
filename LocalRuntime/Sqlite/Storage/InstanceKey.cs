namespace LocalRuntime.Sqlite.Storage;

/// <summary>
/// Instance ids as stored keys: the UTF-16 code units, big-endian, as a BLOB. SQLite compares BLOBs with
/// memcmp, so key order is exactly <see cref="StringComparer.Ordinal"/> order (UTF-8 TEXT order is not:
/// it sorts supplementary characters after U+E000..U+FFFF), and any id round-trips exactly, including
/// NUL and lone surrogates that UTF-8 text would replace.
/// </summary>
internal static class InstanceKey
{
    public static byte[] Encode(string instanceId)
    {
        var key = new byte[instanceId.Length * 2];
        for (var i = 0; i < instanceId.Length; i++)
        {
            var c = instanceId[i];
            key[2 * i] = (byte)(c >> 8);
            key[(2 * i) + 1] = (byte)c;
        }

        return key;
    }

    public static string Decode(byte[] key) =>
        string.Create(key.Length / 2, key, static (chars, k) =>
        {
            for (var i = 0; i < chars.Length; i++)
            {
                chars[i] = (char)((k[2 * i] << 8) | k[(2 * i) + 1]);
            }
        });

    /// <summary>
    /// The smallest key greater than every key that starts with <paramref name="prefix"/>; null when there
    /// is none (the prefix is all 0xFF bytes).
    /// </summary>
    public static byte[]? PrefixUpperBound(byte[] prefix)
    {
        for (var i = prefix.Length - 1; i >= 0; i--)
        {
            if (prefix[i] != 0xFF)
            {
                var bound = prefix[..(i + 1)];
                bound[i]++;
                return bound;
            }
        }

        return null;
    }
}
