namespace ServerlessTasks.Domain.Scheduling;

/// <summary>
/// A priority policy chosen in settings (e.g. <c>Pools:payment-gateway:Policy:Name=earliest_deadline_first</c>), so a
/// deployment switches policy without code changes. Names are those of the policies' <see cref="IPriorityPolicy.Name"/>.
/// </summary>
public sealed record PriorityPolicySettings
{
    /// <summary>The policies that can be named.</summary>
    public static IReadOnlyList<string> Names { get; } = ["strict_priority_aging", "strict_priority", "earliest_deadline_first"];

    /// <summary>The policy: <c>strict_priority_aging</c> (default), <c>strict_priority</c> or <c>earliest_deadline_first</c>.</summary>
    public string Name { get; init; } = "strict_priority_aging";

    /// <summary>
    /// For aging: grants waited through per priority level gained; 0 turns dispatch aging off. The default (20) lets a
    /// burst of top-priority work through a saturated pool first while still bounding how often a request is passed
    /// over ((10 - p) x 20 grants); the DAG scheduler's own default (4) is for a workflow's few ready tasks.
    /// </summary>
    public int AgingDispatches { get; init; } = 20;

    /// <summary>For aging: seconds waited per priority level gained; 0 turns time aging off.</summary>
    public double AgingSeconds { get; init; } = 10;

    /// <summary>Why the settings are unusable, or nothing.</summary>
    public IEnumerable<string> Problems()
    {
        if (!Names.Contains(Name, StringComparer.Ordinal))
        {
            yield return $"Name must be one of {string.Join(", ", Names)} (got '{Name}')";
        }

        if (AgingDispatches < 0)
        {
            yield return "AgingDispatches must be 0 or more";
        }

        if (AgingSeconds < 0)
        {
            yield return "AgingSeconds must be 0 or more";
        }
    }

    /// <summary>The policy these settings name.</summary>
    public IPriorityPolicy Create() => Name switch
    {
        "strict_priority" => StrictPriorityWithAgingPolicy.StrictOnly,
        "earliest_deadline_first" => new EarliestDeadlineFirstPolicy(),
        "strict_priority_aging" => new StrictPriorityWithAgingPolicy(
            AgingDispatches > 0 ? AgingDispatches : null,
            AgingSeconds > 0 ? TimeSpan.FromSeconds(AgingSeconds) : null),
        _ => throw new ArgumentException($"Unknown priority policy '{Name}'; known: {string.Join(", ", Names)}."),
    };
}
