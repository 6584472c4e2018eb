using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using ServerlessTasks.Domain.Dag;
using ServerlessTasks.Domain.Model;
using ServerlessTasks.Domain.Scheduling;

namespace ServerlessTasks.Domain.Tests.Scheduling;

/// <summary>Random DAGs x random failures x random completion orders, checked against an independent model.</summary>
public class DagSchedulerPropertyTests
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <param name="Count">Number of tasks.</param>
    /// <param name="Edges">(earlier, later) pairs: task <c>later</c> depends on task <c>earlier</c>; acyclic by construction.</param>
    /// <param name="Failing">Tasks whose run fails.</param>
    /// <param name="MaxParallelism">0 means unbounded.</param>
    /// <param name="Picks">Which running task finishes next (mod running count), cycled.</param>
    /// <param name="SubmissionOrder">Order of tasks in the submitted list.</param>
    /// <param name="Priorities">Priority per task.</param>
    /// <param name="UseDeadlinePolicy">EDF instead of strict priority with aging.</param>
    public sealed record DagCase(
        int Count,
        (int Earlier, int Later)[] Edges,
        int[] Failing,
        int MaxParallelism,
        int[] Picks,
        int[] SubmissionOrder,
        int[] Priorities,
        bool UseDeadlinePolicy);

    private static Gen<DagCase> CaseGen() =>
        from n in Gen.Choose(1, 30)
        from pairs in Gen.ListOf(Gen.Two(Gen.Choose(0, n - 1)))
        from failing in Gen.ListOf(Gen.Choose(0, n - 1))
        from parallelism in Gen.Choose(0, 4)
        from picks in Gen.ListOf(Gen.Choose(0, 1000))
        from order in Gen.Shuffle(Enumerable.Range(0, n))
        from priorities in Gen.ArrayOf(Gen.Choose(1, 10), n)
        from edf in Gen.Elements(false, true)
        select new DagCase(
            n,
            pairs.Where(p => p.Item1 != p.Item2).Select(p => (Math.Min(p.Item1, p.Item2), Math.Max(p.Item1, p.Item2))).Distinct().ToArray(),
            failing.Distinct().ToArray(),
            parallelism,
            picks.ToArray(),
            order.ToArray(),
            priorities,
            edf);

    [Property(MaxTest = 300)]
    public Property Run_RandomDagAndFailures_EveryTaskOneTerminalStateDependenciesFirstSkipsExact() =>
        Prop.ForAll(Arb.From(CaseGen()), c =>
        {
            var specs = new TaskSpec[c.Count];
            foreach (var position in Enumerable.Range(0, c.Count))
            {
                var task = c.SubmissionOrder[position];
                var deps = c.Edges.Where(e => e.Later == task).Select(e => $"t{e.Earlier}").ToArray();
                specs[position] = new TaskSpec($"t{task}", "echo", Priority: c.Priorities[task], Dependencies: deps);
            }

            IPriorityPolicy policy = c.UseDeadlinePolicy ? new EarliestDeadlineFirstPolicy() : new StrictPriorityWithAgingPolicy(2);
            var scheduler = new DagScheduler(
                TaskGraph.Create(specs),
                policy,
                T0,
                new SchedulerOptions { MaxParallelism = c.MaxParallelism == 0 ? null : c.MaxParallelism, WorkflowDeadline = T0.AddDays(1) });

            var failing = c.Failing.Select(i => $"t{i}").ToHashSet();
            var completed = new HashSet<string>();
            var running = new List<string>();
            var now = T0;
            var step = 0;
            while (true)
            {
                foreach (var dispatch in scheduler.DispatchAvailable(now))
                {
                    var deps = specs.Single(s => s.TaskId == dispatch.TaskId).DependsOn;
                    Assert.True(deps.All(completed.Contains), $"{dispatch.TaskId} started before its dependencies completed");
                    running.Add(dispatch.TaskId);
                    Assert.True(c.MaxParallelism == 0 || running.Count <= c.MaxParallelism);
                }

                if (running.Count == 0)
                {
                    break;
                }

                var pick = c.Picks.Length == 0 ? 0 : c.Picks[step % c.Picks.Length] % running.Count;
                var id = running[pick];
                running.RemoveAt(pick);
                now = now.AddSeconds(1);
                step++;
                if (failing.Contains(id))
                {
                    scheduler.Fail(id, now, "boom");
                }
                else
                {
                    scheduler.Complete(id, now);
                    completed.Add(id);
                }
            }

            // Independent model: a task is skipped if any dependency failed or was skipped, else it fails
            // if it is a failing task, else it completes. Topological order = index order by construction.
            var expected = new Dictionary<string, TaskRunState>();
            var skippedExpected = new HashSet<string>();
            for (var i = 0; i < c.Count; i++)
            {
                var deps = c.Edges.Where(e => e.Later == i).Select(e => $"t{e.Earlier}");
                var blocked = deps.Any(d => expected[d] is TaskRunState.Failed or TaskRunState.Skipped);
                var state = blocked ? TaskRunState.Skipped : failing.Contains($"t{i}") ? TaskRunState.Failed : TaskRunState.Completed;
                expected[$"t{i}"] = state;
            }

            var transitions = scheduler.DrainTransitions();
            var terminalTransitions = transitions.Where(t => t.To.IsTerminal()).GroupBy(t => t.TaskId).ToDictionary(g => g.Key, g => g.Count());

            Assert.True(scheduler.IsFinished);
            foreach (var (id, state) in expected)
            {
                Assert.Equal(state, scheduler.GetState(id));
                Assert.Equal(1, terminalTransitions[id]);
            }

            // Skipped tasks are exactly the transitive dependents of failed tasks.
            var graph = scheduler.Graph;
            var downstreamOfFailed = expected.Where(kv => kv.Value == TaskRunState.Failed)
                .SelectMany(kv => graph.GetTransitiveDependents(graph.GetIndex(kv.Key)).Select(graph.GetId))
                .ToHashSet();
            var skipped = expected.Where(kv => kv.Value == TaskRunState.Skipped).Select(kv => kv.Key).ToHashSet();
            Assert.True(skipped.SetEquals(downstreamOfFailed));
            Assert.All(skipped, id => Assert.Equal(TaskRunState.Failed, scheduler.GetState(scheduler.GetSnapshot(id).CauseTaskId!)));
        });
}
