using ServerlessTasks.Domain.Model;

namespace ServerlessTasks.TaskIndex;

/// <summary>When a redrive claim may replace a task's entry (one rule for every index provider).</summary>
public static class RedriveRules
{
    /// <summary>
    /// Whether <paramref name="claim"/> may replace <paramref name="current"/>: the current entry is final, in one of
    /// <paramref name="from"/> statuses, and of the run just before the claim's.
    /// </summary>
    public static bool MayClaim(TaskIndexEntry? current, TaskIndexEntry claim, IReadOnlyCollection<WorkflowTaskStatus> from)
    {
        ArgumentNullException.ThrowIfNull(claim);
        ArgumentNullException.ThrowIfNull(from);
        return current is { IsTerminal: true }
            && from.Contains(current.Status)
            && current.Redrives + 1 == claim.Redrives;
    }
}
