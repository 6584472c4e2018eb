using ServerlessTasks.Domain.Clock;
using ServerlessTasks.Functions.Contracts;

namespace ServerlessTasks.Functions.Orchestration;

/// <summary>What a workflow's earlier runs left for a rerun of some of its tasks (see <see cref="RerunPlan"/>).</summary>
/// <param name="CreatedAt">When the workflow was submitted (kept on every task entry).</param>
/// <param name="After">The latest stamp of the earlier runs: the rerun's events follow it.</param>
/// <param name="Attempts">Per rerun task, the attempts its earlier runs made (its first attempt now is one more).</param>
/// <param name="Redrives">Per rerun task, the run number its index updates carry (one more than its earlier run's).</param>
/// <param name="Kept">The counts of the tasks the rerun leaves as they are (added to the rerun's own while it goes on).</param>
public sealed record RerunSeed(
    DateTimeOffset CreatedAt,
    HlcTimestamp? After,
    IReadOnlyDictionary<string, int> Attempts,
    IReadOnlyDictionary<string, int> Redrives,
    WorkflowCounts Kept);
