using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json.Serialization;

namespace ServerlessTasks.Domain.Clock;

/// <summary>
/// A hybrid logical clock stamp (Kulkarni et al.): 48 bits of physical milliseconds since the Unix epoch
/// and a 16-bit logical counter, packed into one 64-bit value (physical in the high bits) so that ordering
/// the packed values is ordering the (physical, counter) tuples. The node id that issued it breaks ties.
/// </summary>
/// <remarks>
/// String form (also the JSON form): 16 upper-case hex digits of <see cref="Packed"/>, then <c>@node</c>
/// when there is a node id, e.g. <c>0000018D2F3A1B2C0001@host-1</c>. The hex part sorts ordinally in stamp
/// order. Packed values stay below 2^63 until the year 6429, so they also sort correctly as signed longs.
/// </remarks>
[JsonConverter(typeof(HlcTimestampJsonConverter))]
public readonly struct HlcTimestamp : IEquatable<HlcTimestamp>, IComparable<HlcTimestamp>
{
    /// <summary>Largest physical component (2^48 - 1 ms, about year 10889).</summary>
    public const long MaxPhysicalMilliseconds = (1L << 48) - 1;

    /// <summary>Largest logical counter.</summary>
    public const int MaxCounter = ushort.MaxValue;

    private const int PhysicalShift = 16;
    private const int HexDigits = 16;
    private readonly string? nodeId;

    /// <summary>Creates a stamp from its components.</summary>
    /// <param name="physicalMilliseconds">Milliseconds since the Unix epoch, 0 to <see cref="MaxPhysicalMilliseconds"/>.</param>
    /// <param name="counter">Logical counter, 0 to <see cref="MaxCounter"/>.</param>
    /// <param name="nodeId">The issuing node; null or empty for none.</param>
    public HlcTimestamp(long physicalMilliseconds, int counter, string? nodeId = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(physicalMilliseconds);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(physicalMilliseconds, MaxPhysicalMilliseconds);
        ArgumentOutOfRangeException.ThrowIfNegative(counter);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(counter, MaxCounter);
        Packed = ((ulong)physicalMilliseconds << PhysicalShift) | (uint)counter;
        this.nodeId = string.IsNullOrEmpty(nodeId) ? null : nodeId;
    }

    private HlcTimestamp(ulong packed, string? nodeId)
    {
        Packed = packed;
        this.nodeId = string.IsNullOrEmpty(nodeId) ? null : nodeId;
    }

    /// <summary>The smallest stamp (physical 0, counter 0, no node).</summary>
    public static HlcTimestamp Zero => default;

    /// <summary>Physical milliseconds in the high 48 bits, counter in the low 16.</summary>
    public ulong Packed { get; }

    /// <summary>The physical component: milliseconds since the Unix epoch.</summary>
    public long PhysicalMilliseconds => (long)(Packed >> PhysicalShift);

    /// <summary>The logical counter.</summary>
    public int Counter => (int)(Packed & MaxCounter);

    /// <summary>The node that issued the stamp; empty when unknown.</summary>
    public string NodeId => nodeId ?? string.Empty;

    /// <summary>The physical component as a time.</summary>
    public DateTimeOffset PhysicalTime => DateTimeOffset.FromUnixTimeMilliseconds(PhysicalMilliseconds);

    /// <summary>Rebuilds a stamp from its packed value.</summary>
    /// <param name="packed">The packed value.</param>
    /// <param name="nodeId">The issuing node; null or empty for none.</param>
    public static HlcTimestamp FromPacked(ulong packed, string? nodeId = null) => new(packed, nodeId);

    /// <summary>Parses the string form.</summary>
    /// <param name="text">The text.</param>
    /// <exception cref="FormatException">Not a stamp.</exception>
    public static HlcTimestamp Parse(string text) =>
        TryParse(text, out var stamp) ? stamp : throw new FormatException($"'{text}' is not an HLC timestamp.");

    /// <summary>Parses the string form.</summary>
    /// <param name="text">The text.</param>
    /// <param name="stamp">The stamp when parsed.</param>
    /// <returns>True when parsed.</returns>
    public static bool TryParse([NotNullWhen(true)] string? text, out HlcTimestamp stamp)
    {
        stamp = default;
        if (text is null || text.Length < HexDigits || (text.Length > HexDigits && text[HexDigits] != '@'))
        {
            return false;
        }

        var hex = text.AsSpan(0, HexDigits);
        foreach (var c in hex)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        if (!ulong.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var packed))
        {
            return false;
        }

        stamp = new HlcTimestamp(packed, text.Length > HexDigits + 1 ? text[(HexDigits + 1)..] : null);
        return true;
    }

    /// <summary>The same stamp attributed to another node.</summary>
    /// <param name="node">The node id.</param>
    public HlcTimestamp WithNode(string? node) => new(Packed, node);

    /// <inheritdoc />
    public int CompareTo(HlcTimestamp other)
    {
        var byPacked = Packed.CompareTo(other.Packed);
        return byPacked != 0 ? byPacked : string.CompareOrdinal(NodeId, other.NodeId);
    }

    /// <inheritdoc />
    public bool Equals(HlcTimestamp other) => Packed == other.Packed && string.Equals(NodeId, other.NodeId, StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is HlcTimestamp other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Packed, StringComparer.Ordinal.GetHashCode(NodeId));

    /// <inheritdoc />
    public override string ToString()
    {
        var hex = Packed.ToString("X16", CultureInfo.InvariantCulture);
        return nodeId is null ? hex : string.Concat(hex, "@", nodeId);
    }

    /// <summary>Equality.</summary>
    public static bool operator ==(HlcTimestamp left, HlcTimestamp right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(HlcTimestamp left, HlcTimestamp right) => !left.Equals(right);

    /// <summary>Happened-before order (then node id).</summary>
    public static bool operator <(HlcTimestamp left, HlcTimestamp right) => left.CompareTo(right) < 0;

    /// <summary>Happened-after order (then node id).</summary>
    public static bool operator >(HlcTimestamp left, HlcTimestamp right) => left.CompareTo(right) > 0;

    /// <summary>Not after.</summary>
    public static bool operator <=(HlcTimestamp left, HlcTimestamp right) => left.CompareTo(right) <= 0;

    /// <summary>Not before.</summary>
    public static bool operator >=(HlcTimestamp left, HlcTimestamp right) => left.CompareTo(right) >= 0;
}
