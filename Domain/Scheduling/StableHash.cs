namespace ServerlessTasks.Domain.Scheduling;

/// <summary>
/// A hash that is the same in every process and every version (unlike <see cref="string.GetHashCode()"/>),
/// for deterministic jitter that orchestrator replays reproduce. FNV-1a over UTF-16 code units with a
/// length prefix per part, finished with the SplitMix64 mixer. Never change it: replays depend on it.
/// </summary>
internal static class StableHash
{
    private const ulong FnvOffset = 14695981039346656037UL;
    private const ulong FnvPrime = 1099511628211UL;

    public static ulong Of(string first, string second)
    {
        var hash = FnvOffset;
        hash = Add(hash, first);
        hash = Add(hash, second);
        return Mix(hash);
    }

    public static ulong Mix(ulong value)
    {
        value += 0x9E3779B97F4A7C15UL;
        value = (value ^ (value >> 30)) * 0xBF58476D1CE4E5B9UL;
        value = (value ^ (value >> 27)) * 0x94D049BB133111EBUL;
        return value ^ (value >> 31);
    }

    /// <summary>A uniform value in [0, 1) from the top 53 bits.</summary>
    public static double ToUnitInterval(ulong value) => (value >> 11) * (1.0 / (1UL << 53));

    private static ulong Add(ulong hash, string part)
    {
        hash = Step(hash, (uint)part.Length);
        foreach (var c in part)
        {
            hash = Step(hash, c);
        }

        return hash;
    }

    private static ulong Step(ulong hash, uint value)
    {
        for (var shift = 0; shift < 32; shift += 8)
        {
            hash ^= (byte)(value >> shift);
            hash *= FnvPrime;
        }

        return hash;
    }
}
