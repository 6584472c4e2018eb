using ServerlessTasks.Domain.Model;

namespace ServerlessTasks.Domain.Dag;

/// <summary>
/// "Remaining critical path" of every task: the longest chain of estimated work from the task (itself
/// included) down to a sink. Computed in one reverse topological pass, O(V+E), no recursion.
/// </summary>
public static class CriticalPath
{
    /// <summary>The default estimate: one second per task, so the critical path counts tasks.</summary>
    public static TimeSpan DefaultEstimate { get; } = TimeSpan.FromSeconds(1);

    /// <summary>Remaining critical path by task index with each task weighted by <paramref name="weight"/> (default 1).</summary>
    /// <param name="graph">The DAG.</param>
    /// <param name="weight">Non-negative finite weight of a task; 1 when null.</param>
    /// <returns>An array indexed like the graph.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A weight is negative, NaN or infinite.</exception>
    public static double[] ComputeRemainingWeights(TaskGraph graph, Func<TaskSpec, double>? weight = null)
    {
        var result = new double[graph.Count];
        var order = graph.TopologicalOrder;
        for (var k = order.Length - 1; k >= 0; k--)
        {
            var v = order[k];
            var own = weight?.Invoke(graph.GetTask(v)) ?? 1.0;
            if (!double.IsFinite(own) || own < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(weight), own, $"Weight of task '{graph.GetId(v)}' must be finite and non-negative.");
            }

            var longest = 0.0;
            foreach (var w in graph.GetDependents(v))
            {
                longest = Math.Max(longest, result[w]);
            }

            result[v] = own + longest;
        }

        return result;
    }

    /// <summary>Remaining critical path by task index as a duration.</summary>
    /// <param name="graph">The DAG.</param>
    /// <param name="estimate">Estimated duration of a task; <see cref="DefaultEstimate"/> when null.</param>
    /// <returns>An array indexed like the graph.</returns>
    public static TimeSpan[] ComputeRemainingDurations(TaskGraph graph, Func<TaskSpec, TimeSpan>? estimate = null)
    {
        var seconds = ComputeRemainingWeights(graph, task => (estimate?.Invoke(task) ?? DefaultEstimate).TotalSeconds);
        var result = new TimeSpan[seconds.Length];
        for (var i = 0; i < seconds.Length; i++)
        {
            result[i] = seconds[i] >= TimeSpan.MaxValue.TotalSeconds ? TimeSpan.MaxValue : TimeSpan.FromSeconds(seconds[i]);
        }

        return result;
    }
}
