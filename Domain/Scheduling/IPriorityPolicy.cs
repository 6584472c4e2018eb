namespace ServerlessTasks.Domain.Scheduling;

/// <summary>
/// Computes the effective priority of ready tasks. Pure: results depend only on the context passed in.
/// </summary>
/// <remarks>
/// <para>So that choosing the next task costs O(lanes + log n) instead of a scan of every ready task, the
/// scheduler keeps one queue per <em>lane</em>. Contract: within one lane, ordering tasks by
/// <see cref="GetLaneOrder"/> (then by ready sequence) must agree with ordering them by
/// <see cref="Evaluate"/> (then by ready sequence) at every instant. The scheduler evaluates only the head
/// of each lane and dispatches the best. Keep lanes few (tens at most).</para>
/// <para>Keys must be deterministic: orchestrators replay decisions.</para>
/// </remarks>
public interface IPriorityPolicy
{
    /// <summary>Short stable name (for status output and logs).</summary>
    string Name { get; }

    /// <summary>The lane a task waits in; fixed from the moment it becomes ready.</summary>
    /// <param name="context">The task at the moment it became ready.</param>
    int GetLane(in ReadyTaskContext context);

    /// <summary>The time-independent order of a task within its lane (higher first; ties in ready order).</summary>
    /// <param name="context">The task at the moment it became ready.</param>
    PriorityKey GetLaneOrder(in ReadyTaskContext context);

    /// <summary>The effective priority of a ready task now (higher first; ties in ready order).</summary>
    /// <param name="context">The task at the decision instant.</param>
    PriorityKey Evaluate(in ReadyTaskContext context);
}
