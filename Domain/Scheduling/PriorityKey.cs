using System.Globalization;

namespace ServerlessTasks.Domain.Scheduling;

/// <summary>
/// An effective priority: compared by <see cref="Tier"/>, then <see cref="Score"/>, then
/// <see cref="Secondary"/>, higher first. Equal keys are dispatched in the order tasks became ready.
/// </summary>
/// <param name="Tier">Coarse class (e.g. "has a deadline" above "has none").</param>
/// <param name="Score">The main score within a tier (aged priority, negated time to deadline, ...).</param>
/// <param name="Secondary">Tie-breaker within equal scores.</param>
public readonly record struct PriorityKey(int Tier, double Score, double Secondary = 0) : IComparable<PriorityKey>
{
    /// <inheritdoc />
    public int CompareTo(PriorityKey other)
    {
        var byTier = Tier.CompareTo(other.Tier);
        if (byTier != 0)
        {
            return byTier;
        }

        var byScore = Score.CompareTo(other.Score);
        return byScore != 0 ? byScore : Secondary.CompareTo(other.Secondary);
    }

    /// <summary>True when <paramref name="left"/> is dispatched after <paramref name="right"/>.</summary>
    public static bool operator <(PriorityKey left, PriorityKey right) => left.CompareTo(right) < 0;

    /// <summary>True when <paramref name="left"/> is dispatched before <paramref name="right"/>.</summary>
    public static bool operator >(PriorityKey left, PriorityKey right) => left.CompareTo(right) > 0;

    /// <summary>True when <paramref name="left"/> is not dispatched before <paramref name="right"/>.</summary>
    public static bool operator <=(PriorityKey left, PriorityKey right) => left.CompareTo(right) <= 0;

    /// <summary>True when <paramref name="left"/> is not dispatched after <paramref name="right"/>.</summary>
    public static bool operator >=(PriorityKey left, PriorityKey right) => left.CompareTo(right) >= 0;

    /// <inheritdoc />
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Tier}/{Score:0.###}/{Secondary:0.###}");
}
