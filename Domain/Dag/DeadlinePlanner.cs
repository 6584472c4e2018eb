using ServerlessTasks.Domain.Model;

namespace ServerlessTasks.Domain.Dag;

/// <summary>
/// Flows deadlines down the DAG. A task's effective deadline (latest finish) is the earliest of its own
/// deadline, the workflow deadline, and the latest start of each dependent (its effective deadline minus
/// its estimated duration). With only a workflow deadline D this is D minus the remaining critical path of
/// the task's dependents, so slack = D - now - remaining critical path. One reverse topological pass.
/// </summary>
/// <remarks>
/// These are the "modified deadlines" of Blazewicz/Chetto: ordering ready tasks by them makes earliest
/// deadline first respect precedence, which is what <see cref="Scheduling.EarliestDeadlineFirstPolicy"/> does.
/// </remarks>
public static class DeadlinePlanner
{
    /// <summary>Effective deadline (latest finish) of every task, or null when no deadline applies to it.</summary>
    /// <param name="graph">The DAG.</param>
    /// <param name="workflowDeadline">The workflow's deadline, if any.</param>
    /// <param name="estimate">Estimated task duration; <see cref="CriticalPath.DefaultEstimate"/> when null.</param>
    /// <returns>An array indexed like the graph.</returns>
    public static DateTimeOffset?[] ComputeEffectiveDeadlines(
        TaskGraph graph,
        DateTimeOffset? workflowDeadline,
        Func<TaskSpec, TimeSpan>? estimate = null)
    {
        var result = new DateTimeOffset?[graph.Count];
        var order = graph.TopologicalOrder;
        for (var k = order.Length - 1; k >= 0; k--)
        {
            var v = order[k];
            var deadline = Earliest(graph.GetTask(v).Deadline, workflowDeadline);
            foreach (var w in graph.GetDependents(v))
            {
                if (result[w] is { } dependentDeadline)
                {
                    var duration = estimate?.Invoke(graph.GetTask(w)) ?? CriticalPath.DefaultEstimate;
                    ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.Zero, nameof(estimate));
                    deadline = Earliest(deadline, Subtract(dependentDeadline, duration));
                }
            }

            result[v] = deadline;
        }

        return result;
    }

    private static DateTimeOffset? Earliest(DateTimeOffset? a, DateTimeOffset? b) =>
        a is null ? b : b is null ? a : (a.Value <= b.Value ? a : b);

    private static DateTimeOffset Subtract(DateTimeOffset at, TimeSpan duration)
    {
        var ticks = at.UtcTicks - DateTimeOffset.MinValue.UtcTicks;
        return duration.Ticks >= ticks ? DateTimeOffset.MinValue : at.Subtract(duration);
    }
}
