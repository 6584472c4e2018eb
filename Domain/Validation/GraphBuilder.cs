using System.Globalization;
using System.Text;
using ServerlessTasks.Domain.Dag;
using ServerlessTasks.Domain.Model;

namespace ServerlessTasks.Domain.Validation;

/// <summary>
/// Builds a <see cref="TaskGraph"/> while reporting every structural problem: ids, dependencies, cycles.
/// Linear in tasks + dependencies and iterative throughout (no recursion), so a 100,000-deep chain is fine.
/// </summary>
internal static class GraphBuilder
{
    private const int CycleLinksInMessage = 10;

    /// <summary>Returns the graph, or null when any structural problem was reported.</summary>
    public static TaskGraph? Build(IReadOnlyList<TaskSpec> tasks, ProblemCollector problems, WorkflowLimits limits, bool checkIds)
    {
        var before = problems.Count;
        var n = tasks.Count;
        var taskArray = new TaskSpec[n];
        var labels = new string[n];
        var indexById = new Dictionary<string, int>(n, StringComparer.Ordinal);
        Dictionary<string, List<int>>? duplicates = null;

        for (var i = 0; i < n; i++)
        {
            var task = tasks[i];
            taskArray[i] = task;
            var id = task.TaskId;
            labels[i] = id ?? Label(i);
            if (id is null)
            {
                problems.Add(
                    ValidationProblemCode.MissingTaskId,
                    string.Create(CultureInfo.InvariantCulture, $"Task #{i} has no task_id."),
                    [labels[i]]);
                continue;
            }

            if (checkIds)
            {
                var violation = StorageKeyRules.Check(id, limits.MaxIdLength);
                if (violation != StorageKeyViolation.None)
                {
                    problems.Add(
                        ValidationProblemCode.InvalidTaskId,
                        $"Task id {Quote(id)} {StorageKeyRules.Describe(violation, limits.MaxIdLength)}.",
                        [id]);
                }
            }

            if (!indexById.TryAdd(id, i))
            {
                duplicates ??= new Dictionary<string, List<int>>(StringComparer.Ordinal);
                if (!duplicates.TryGetValue(id, out var positions))
                {
                    positions = [indexById[id]];
                    duplicates.Add(id, positions);
                }

                positions.Add(i);
            }
        }

        if (duplicates is not null)
        {
            foreach (var (id, positions) in duplicates)
            {
                problems.Add(
                    ValidationProblemCode.DuplicateTaskId,
                    $"Task id {Quote(id)} is used by {positions.Count} tasks (positions {string.Join(", ", positions.Take(20))}).",
                    [id]);
            }
        }

        long totalDependencies = 0;
        for (var i = 0; i < n; i++)
        {
            totalDependencies += taskArray[i].DependsOn.Count;
        }

        if (totalDependencies > limits.MaxTotalDependencies)
        {
            problems.Add(
                ValidationProblemCode.TooManyDependencies,
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"The workflow has {totalDependencies} dependencies; the limit is {limits.MaxTotalDependencies}."),
                []);
            return null;
        }

        // Compressed adjacency: dependencies of i are edges[start[i]..start[i+1]].
        var dependencyStart = new int[n + 1];
        var edges = new List<int>((int)totalDependencies);
        var lastSeenBy = new int[n];
        Array.Fill(lastSeenBy, -1);
        for (var i = 0; i < n; i++)
        {
            dependencyStart[i] = edges.Count;
            var task = taskArray[i];
            var deps = task.DependsOn;
            if (deps.Count > limits.MaxDependenciesPerTask)
            {
                problems.Add(
                    ValidationProblemCode.TooManyDependencies,
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"Task {Quote(labels[i])} has {deps.Count} dependencies; the limit is {limits.MaxDependenciesPerTask}."),
                    [labels[i]]);
            }

            List<string>? unknown = null;
            List<string>? repeated = null;
            var selfReported = false;
            foreach (var dep in deps)
            {
                if (dep is null || !indexById.TryGetValue(dep, out var j))
                {
                    (unknown ??= []).Add(dep ?? "(null)");
                    continue;
                }

                if (string.Equals(dep, task.TaskId, StringComparison.Ordinal) || j == i)
                {
                    if (!selfReported)
                    {
                        selfReported = true;
                        problems.Add(ValidationProblemCode.SelfDependency, $"Task {Quote(labels[i])} depends on itself.", [labels[i]]);
                    }

                    continue;
                }

                if (lastSeenBy[j] == i)
                {
                    (repeated ??= []).Add(dep);
                    continue;
                }

                lastSeenBy[j] = i;
                edges.Add(j);
            }

            if (unknown is not null)
            {
                problems.Add(
                    ValidationProblemCode.UnknownDependency,
                    $"Task {Quote(labels[i])} depends on unknown task(s) {QuoteList(unknown)}.",
                    [labels[i]],
                    unknown);
            }

            if (repeated is not null)
            {
                problems.Add(
                    ValidationProblemCode.DuplicateDependency,
                    $"Task {Quote(labels[i])} names dependencies more than once: {QuoteList(repeated)}.",
                    [labels[i]],
                    repeated);
            }
        }

        dependencyStart[n] = edges.Count;
        var dependencies = edges.ToArray();

        // Reverse adjacency (dependents) by counting sort.
        var dependentStart = new int[n + 1];
        foreach (var j in dependencies)
        {
            dependentStart[j + 1]++;
        }

        for (var i = 0; i < n; i++)
        {
            dependentStart[i + 1] += dependentStart[i];
        }

        var dependents = new int[dependencies.Length];
        var fill = (int[])dependentStart.Clone();
        for (var i = 0; i < n; i++)
        {
            for (var e = dependencyStart[i]; e < dependencyStart[i + 1]; e++)
            {
                dependents[fill[dependencies[e]]++] = i;
            }
        }

        var order = KahnOrder(n, dependencyStart, dependentStart, dependents, out var processed);
        if (order.Length < n)
        {
            ReportCycles(n, labels, dependencyStart, dependencies, processed, problems);
        }

        if (problems.Count != before)
        {
            return null;
        }

        var ids = new string[n];
        Array.Copy(labels, ids, n);
        return new TaskGraph(taskArray, ids, indexById, dependencyStart, dependencies, dependentStart, dependents, order);
    }

    private static int[] KahnOrder(int n, int[] dependencyStart, int[] dependentStart, int[] dependents, out bool[] processed)
    {
        var remaining = new int[n];
        var order = new int[n];
        var head = 0;
        var tail = 0;
        for (var i = 0; i < n; i++)
        {
            remaining[i] = dependencyStart[i + 1] - dependencyStart[i];
            if (remaining[i] == 0)
            {
                order[tail++] = i;
            }
        }

        // The output array doubles as the FIFO queue: order[head..tail] are ready, not yet expanded.
        while (head < tail)
        {
            var current = order[head++];
            for (var e = dependentStart[current]; e < dependentStart[current + 1]; e++)
            {
                var next = dependents[e];
                if (--remaining[next] == 0)
                {
                    order[tail++] = next;
                }
            }
        }

        processed = new bool[n];
        for (var k = 0; k < tail; k++)
        {
            processed[order[k]] = true;
        }

        return tail == n ? order : order[..tail];
    }

    /// <summary>
    /// Every task Kahn could not order has at least one unordered dependency, so walking "first unordered
    /// dependency" from any of them must revisit a task: that closes a concrete cycle. Each task is walked
    /// at most once, so the whole search is linear.
    /// </summary>
    private static void ReportCycles(int n, string[] labels, int[] dependencyStart, int[] dependencies, bool[] processed, ProblemCollector problems)
    {
        var walkOf = new int[n];
        var positionInPath = new int[n];
        var path = new List<int>();
        var walk = 0;
        for (var start = 0; start < n; start++)
        {
            if (processed[start] || walkOf[start] != 0)
            {
                continue;
            }

            walk++;
            path.Clear();
            var current = start;
            while (true)
            {
                if (walkOf[current] == walk)
                {
                    var cycle = path.GetRange(positionInPath[current], path.Count - positionInPath[current]);
                    var cycleIds = cycle.ConvertAll(i => labels[i]);
                    problems.Add(ValidationProblemCode.Cycle, DescribeCycle(cycleIds), cycleIds);
                    break;
                }

                if (walkOf[current] != 0)
                {
                    break; // Joined an earlier walk: its cycle is already reported.
                }

                walkOf[current] = walk;
                positionInPath[current] = path.Count;
                path.Add(current);
                var next = -1;
                for (var e = dependencyStart[current]; e < dependencyStart[current + 1]; e++)
                {
                    if (!processed[dependencies[e]])
                    {
                        next = dependencies[e];
                        break;
                    }
                }

                if (next < 0)
                {
                    break; // Unreachable for an unordered task; kept as a guard against an endless loop.
                }

                current = next;
            }
        }
    }

    private static string DescribeCycle(List<string> cycle)
    {
        var text = new StringBuilder("Dependencies form a cycle: ");
        var links = Math.Min(cycle.Count, CycleLinksInMessage);
        for (var k = 0; k < links; k++)
        {
            if (k > 0)
            {
                text.Append(", ");
            }

            text.Append(Quote(cycle[k])).Append(" depends on ").Append(Quote(cycle[(k + 1) % cycle.Count]));
        }

        if (links < cycle.Count)
        {
            text.Append(CultureInfo.InvariantCulture, $", ... ({cycle.Count} tasks in the cycle)");
        }

        return text.Append('.').ToString();
    }

    internal static string Label(int index) => string.Create(CultureInfo.InvariantCulture, $"#{index}");

    /// <summary>Quotes an id for a message, escaping control characters so hostile ids cannot forge text.</summary>
    internal static string Quote(string value)
    {
        const int MaxShown = 64;
        var text = new StringBuilder(value.Length + 2).Append('\'');
        foreach (var c in value.Length > MaxShown ? value[..MaxShown] : value)
        {
            if (char.IsControl(c) || char.IsSurrogate(c) || c is '\'' or '\\')
            {
                text.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
            }
            else
            {
                text.Append(c);
            }
        }

        if (value.Length > MaxShown)
        {
            text.Append("...");
        }

        return text.Append('\'').ToString();
    }

    internal static string QuoteList(IReadOnlyList<string> values) =>
        string.Join(", ", values.Take(20).Select(Quote)) + (values.Count > 20 ? ", ..." : string.Empty);
}
