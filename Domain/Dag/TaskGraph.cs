using ServerlessTasks.Domain.Model;
using ServerlessTasks.Domain.Validation;

namespace ServerlessTasks.Domain.Dag;

/// <summary>
/// An immutable, validated DAG of tasks, indexed 0..Count-1 in submission order, with dependency and
/// dependent lists in compact arrays and one topological order (Kahn). Every algorithm on it is iterative.
/// </summary>
/// <remarks>
/// Build it with <see cref="Create(WorkflowSpec)"/> (throws on structural problems) or take it from a
/// successful <see cref="WorkflowValidator"/> result.
/// </remarks>
public sealed class TaskGraph
{
    private static readonly WorkflowLimits Unlimited = new()
    {
        MaxDependenciesPerTask = int.MaxValue,
        MaxTotalDependencies = int.MaxValue,
        MaxIdLength = int.MaxValue,
    };

    private readonly TaskSpec[] tasks;
    private readonly string[] ids;
    private readonly Dictionary<string, int> indexById;
    private readonly int[] dependencyStart;
    private readonly int[] dependencies;
    private readonly int[] dependentStart;
    private readonly int[] dependents;
    private readonly int[] topologicalOrder;

    internal TaskGraph(
        TaskSpec[] tasks,
        string[] ids,
        Dictionary<string, int> indexById,
        int[] dependencyStart,
        int[] dependencies,
        int[] dependentStart,
        int[] dependents,
        int[] topologicalOrder)
    {
        this.tasks = tasks;
        this.ids = ids;
        this.indexById = indexById;
        this.dependencyStart = dependencyStart;
        this.dependencies = dependencies;
        this.dependentStart = dependentStart;
        this.dependents = dependents;
        this.topologicalOrder = topologicalOrder;
    }

    /// <summary>Number of tasks.</summary>
    public int Count => tasks.Length;

    /// <summary>Number of dependency edges.</summary>
    public int EdgeCount => dependencies.Length;

    /// <summary>The task specs by index.</summary>
    public IReadOnlyList<TaskSpec> Tasks => tasks;

    /// <summary>The task ids by index.</summary>
    public IReadOnlyList<string> Ids => ids;

    /// <summary>Indices in a topological order: every task comes after all of its dependencies.</summary>
    public ReadOnlySpan<int> TopologicalOrder => topologicalOrder;

    /// <summary>Builds the graph of a workflow, throwing when its structure is invalid.</summary>
    /// <param name="workflow">The workflow.</param>
    /// <returns>The graph.</returns>
    /// <exception cref="InvalidWorkflowException">Missing or duplicate ids, bad dependencies or a cycle.</exception>
    public static TaskGraph Create(WorkflowSpec workflow) => Create(workflow.Tasks);

    /// <summary>Builds the graph of a list of tasks, throwing when its structure is invalid.</summary>
    /// <param name="tasks">The tasks; dependencies name ids in this list.</param>
    /// <returns>The graph.</returns>
    /// <exception cref="InvalidWorkflowException">Missing or duplicate ids, bad dependencies or a cycle.</exception>
    public static TaskGraph Create(IReadOnlyList<TaskSpec> tasks)
    {
        var problems = new ProblemCollector(int.MaxValue);
        var graph = GraphBuilder.Build(tasks, problems, Unlimited, checkIds: false);
        if (graph is null || problems.Count > 0)
        {
            throw new InvalidWorkflowException(problems.ToList());
        }

        return graph;
    }

    /// <summary>The id of the task at <paramref name="index"/>.</summary>
    /// <param name="index">Task index.</param>
    public string GetId(int index) => ids[index];

    /// <summary>The spec of the task at <paramref name="index"/>.</summary>
    /// <param name="index">Task index.</param>
    public TaskSpec GetTask(int index) => tasks[index];

    /// <summary>Looks up a task index by id (ordinal comparison).</summary>
    /// <param name="id">Task id.</param>
    /// <param name="index">The index when found.</param>
    /// <returns>True when the id is in the graph.</returns>
    public bool TryGetIndex(string id, out int index) => indexById.TryGetValue(id, out index);

    /// <summary>The index of task <paramref name="id"/>.</summary>
    /// <param name="id">Task id.</param>
    /// <exception cref="KeyNotFoundException">The id is not in the graph.</exception>
    public int GetIndex(string id) =>
        indexById.TryGetValue(id, out var index) ? index : throw new KeyNotFoundException($"Unknown task id '{id}'.");

    /// <summary>Indices of the tasks that <paramref name="index"/> depends on (distinct).</summary>
    /// <param name="index">Task index.</param>
    public ReadOnlySpan<int> GetDependencies(int index) =>
        dependencies.AsSpan(dependencyStart[index], dependencyStart[index + 1] - dependencyStart[index]);

    /// <summary>Indices of the tasks that depend directly on <paramref name="index"/>.</summary>
    /// <param name="index">Task index.</param>
    public ReadOnlySpan<int> GetDependents(int index) =>
        dependents.AsSpan(dependentStart[index], dependentStart[index + 1] - dependentStart[index]);

    /// <summary>Topological order as ids.</summary>
    public IReadOnlyList<string> GetTopologicalOrderIds()
    {
        var result = new string[topologicalOrder.Length];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = ids[topologicalOrder[i]];
        }

        return result;
    }

    /// <summary>Every task reachable from <paramref name="index"/> through dependent edges (excluding itself), breadth first.</summary>
    /// <param name="index">Task index.</param>
    public IReadOnlyList<int> GetTransitiveDependents(int index)
    {
        var seen = new bool[Count];
        var result = new List<int>();
        var queue = new Queue<int>();
        seen[index] = true;
        queue.Enqueue(index);
        while (queue.TryDequeue(out var current))
        {
            foreach (var next in GetDependents(current))
            {
                if (!seen[next])
                {
                    seen[next] = true;
                    result.Add(next);
                    queue.Enqueue(next);
                }
            }
        }

        return result;
    }
}
