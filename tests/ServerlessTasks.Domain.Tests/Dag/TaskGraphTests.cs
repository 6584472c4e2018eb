using ServerlessTasks.Domain.Dag;
using ServerlessTasks.Domain.Model;
using ServerlessTasks.Domain.Validation;

namespace ServerlessTasks.Domain.Tests.Dag;

public class TaskGraphTests
{
    private static readonly DateTimeOffset D = new(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private static TaskSpec T(string id, params string[] deps) => new(id, "echo", Dependencies: deps);

    // a -> b -> d, a -> c -> d, c -> e  (arrow: "is a dependency of")
    private static TaskGraph Sample() => TaskGraph.Create([T("d", "b", "c"), T("b", "a"), T("a"), T("c", "a"), T("e", "c")]);

    [Fact]
    public void Create_ValidTasks_IndexesAndAdjacency()
    {
        var graph = Sample();

        Assert.Equal(5, graph.Count);
        Assert.Equal(5, graph.EdgeCount);
        Assert.Equal(["b", "c"], graph.GetDependencies(graph.GetIndex("d")).ToArray().Select(graph.GetId));
        Assert.Equal(["d", "e"], graph.GetDependents(graph.GetIndex("c")).ToArray().Select(graph.GetId));
        Assert.False(graph.TryGetIndex("zzz", out _));
    }

    [Fact]
    public void TopologicalOrder_Sample_EveryTaskAfterItsDependencies()
    {
        var graph = Sample();

        Assert.Equal(["a", "b", "c", "d", "e"], graph.GetTopologicalOrderIds());
    }

    [Fact]
    public void Create_Cycle_ThrowsWithCycleProblem()
    {
        var error = Assert.Throws<InvalidWorkflowException>(() => TaskGraph.Create([T("a", "b"), T("b", "a")]));

        Assert.Equal(ValidationProblemCode.Cycle, Assert.Single(error.Problems).Code);
    }

    [Fact]
    public void GetTransitiveDependents_FromA_AllDownstream()
    {
        var graph = Sample();

        Assert.Equal(["b", "c", "d", "e"], graph.GetTransitiveDependents(graph.GetIndex("a")).Select(graph.GetId).Order());
        Assert.Empty(graph.GetTransitiveDependents(graph.GetIndex("e")));
    }

    [Fact]
    public void ComputeRemainingWeights_DefaultWeight_CountsTasksOnLongestPath()
    {
        var graph = Sample();

        var cp = CriticalPath.ComputeRemainingWeights(graph);

        Assert.Equal(3.0, cp[graph.GetIndex("a")]);
        Assert.Equal(2.0, cp[graph.GetIndex("b")]);
        Assert.Equal(2.0, cp[graph.GetIndex("c")]);
        Assert.Equal(1.0, cp[graph.GetIndex("d")]);
    }

    [Fact]
    public void ComputeRemainingDurations_Estimates_LongestWeightedPath()
    {
        var graph = Sample();
        var seconds = new Dictionary<string, double> { ["a"] = 1, ["b"] = 10, ["c"] = 2, ["d"] = 3, ["e"] = 20 };

        var cp = CriticalPath.ComputeRemainingDurations(graph, t => TimeSpan.FromSeconds(seconds[t.TaskId!]));

        Assert.Equal(TimeSpan.FromSeconds(23), cp[graph.GetIndex("a")]); // a + c + e
        Assert.Equal(TimeSpan.FromSeconds(22), cp[graph.GetIndex("c")]);
        Assert.Equal(TimeSpan.FromSeconds(13), cp[graph.GetIndex("b")]);
    }

    [Fact]
    public void ComputeRemainingWeights_NegativeWeight_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => CriticalPath.ComputeRemainingWeights(Sample(), _ => -1));
    }

    [Fact]
    public void ComputeRemainingWeights_HundredThousandChain_Iterative()
    {
        const int N = 100_000;
        var tasks = Enumerable.Range(0, N).Select(i => i == 0 ? T("t0") : T($"t{i}", $"t{i - 1}")).ToArray();
        var graph = TaskGraph.Create(tasks);

        var cp = CriticalPath.ComputeRemainingWeights(graph);

        Assert.Equal(N, cp[0]);
        Assert.Equal(1.0, cp[N - 1]);
    }

    [Fact]
    public void ComputeEffectiveDeadlines_WorkflowDeadline_DeadlineMinusSuccessorCriticalPath()
    {
        var graph = Sample();

        var deadlines = DeadlinePlanner.ComputeEffectiveDeadlines(graph, D);

        Assert.Equal(D, deadlines[graph.GetIndex("d")]);
        Assert.Equal(D, deadlines[graph.GetIndex("e")]);
        Assert.Equal(D.AddSeconds(-1), deadlines[graph.GetIndex("b")]);
        Assert.Equal(D.AddSeconds(-1), deadlines[graph.GetIndex("c")]);
        Assert.Equal(D.AddSeconds(-2), deadlines[graph.GetIndex("a")]);
    }

    [Fact]
    public void ComputeEffectiveDeadlines_TaskDeadlineEarlier_FlowsUpstream()
    {
        var graph = TaskGraph.Create([T("a"), new TaskSpec("b", "echo", Dependencies: ["a"], Deadline: D.AddMinutes(-10)), T("c")]);

        var deadlines = DeadlinePlanner.ComputeEffectiveDeadlines(graph, D, _ => TimeSpan.FromMinutes(1));

        Assert.Equal(D.AddMinutes(-11), deadlines[0]);
        Assert.Equal(D.AddMinutes(-10), deadlines[1]);
        Assert.Equal(D, deadlines[2]);
        Assert.Null(DeadlinePlanner.ComputeEffectiveDeadlines(graph, null)[2]);
    }
}
