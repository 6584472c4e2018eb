namespace ServerlessTasks.Domain.Model;

/// <summary>How a workflow orders its ready tasks (JSON: <c>priority</c>, <c>deadline</c>).</summary>
public enum SchedulingPolicy
{
    /// <summary>Highest priority first; waiting tasks age upward so low priorities still start (the default).</summary>
    Priority,

    /// <summary>Earliest effective deadline first (deadlines flow down the DAG); tasks without one after.</summary>
    Deadline,
}
