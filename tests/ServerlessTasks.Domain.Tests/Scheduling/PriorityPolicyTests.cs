using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Microsoft.Extensions.Time.Testing;
using ServerlessTasks.Domain.Dag;
using ServerlessTasks.Domain.Model;
using ServerlessTasks.Domain.Scheduling;

namespace ServerlessTasks.Domain.Tests.Scheduling;

public class PriorityPolicyTests
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    // 20 tasks of mixed priority, ids p{priority}-{n} so the expected order is readable.
    private static readonly int[] MixedPriorities = [3, 10, 1, 7, 7, 5, 10, 2, 9, 4, 6, 8, 1, 3, 5, 9, 2, 6, 4, 8];

    private static TaskSpec[] MixedTasks() =>
        MixedPriorities.Select((p, i) => new TaskSpec($"t{i:00}-p{p}", "echo", Priority: p)).ToArray();

    private static List<ScheduledDispatch> RunSerially(IReadOnlyList<TaskSpec> tasks, IPriorityPolicy policy, SchedulerOptions? options = null)
    {
        var scheduler = new DagScheduler(TaskGraph.Create(tasks), policy, T0, (options ?? new SchedulerOptions()) with { MaxParallelism = 1 });
        var order = new List<ScheduledDispatch>();
        var now = T0;
        while (scheduler.TryDispatchNext(now, out var dispatch))
        {
            order.Add(dispatch);
            now = now.AddSeconds(1);
            scheduler.Complete(dispatch.TaskId, now);
        }

        return order;
    }

    [Fact]
    public void Dispatch_StrictPriorityTwentyMixed_HighestFirstFifoWithinLevel()
    {
        var order = RunSerially(MixedTasks(), StrictPriorityWithAgingPolicy.StrictOnly).Select(d => d.TaskId);

        Assert.Equal(
            [
                "t01-p10", "t06-p10", "t08-p9", "t15-p9", "t11-p8", "t19-p8", "t03-p7", "t04-p7", "t10-p6", "t17-p6",
                "t05-p5", "t14-p5", "t09-p4", "t18-p4", "t00-p3", "t13-p3", "t07-p2", "t16-p2", "t02-p1", "t12-p1",
            ],
            order);
    }

    [Fact]
    public void Dispatch_AgingEveryDispatchTwentyMixed_ExactAgedOrder()
    {
        // Worked by hand: before dispatch k every waiting task's level is min(10, p + k); all levels at 10
        // tie and go in ready (index) order. So at k=3 every task of priority >= 7 is level 10 and t03 wins;
        // from k=9 on everything is level 10 and the rest go FIFO.
        var order = RunSerially(MixedTasks(), new StrictPriorityWithAgingPolicy(1)).Select(d => d.TaskId);

        Assert.Equal(
            [
                "t01-p10", "t06-p10", "t08-p9", "t03-p7", "t04-p7", "t05-p5", "t09-p4", "t00-p3", "t07-p2", "t02-p1",
                "t10-p6", "t11-p8", "t12-p1", "t13-p3", "t14-p5", "t15-p9", "t16-p2", "t17-p6", "t18-p4", "t19-p8",
            ],
            order);
    }

    [Fact]
    public void Dispatch_AgingEveryFourDispatchesTwentyMixed_SameAsStrictWhenNoLevelReachesTen()
    {
        // All tasks became ready together, so they age alike; order changes only once aged levels reach the
        // cap, which never happens for the remaining tasks here.
        var aged = RunSerially(MixedTasks(), new StrictPriorityWithAgingPolicy(4)).Select(d => d.TaskId);
        var strict = RunSerially(MixedTasks(), StrictPriorityWithAgingPolicy.StrictOnly).Select(d => d.TaskId);

        Assert.Equal(strict, aged);
    }

    [Fact]
    public void Dispatch_PriorityOneUnderStreamOfPriorityTen_StartsWithinMaxPassOvers()
    {
        // "low" is ready first; every completion of a priority-10 task releases two more (a binary tree of 255),
        // so fresh priority-10 work is always waiting.
        var tasks = new List<TaskSpec> { new("low", "echo", Priority: 1) };
        for (var i = 0; i < 255; i++)
        {
            tasks.Add(new TaskSpec($"hi{i}", "echo", Priority: 10, Dependencies: i == 0 ? null : [$"hi{(i - 1) / 2}"]));
        }

        var aging = new StrictPriorityWithAgingPolicy(4);
        var withAging = RunSerially(tasks, aging).FindIndex(d => d.TaskId == "low") + 1;
        var strict = RunSerially(tasks, StrictPriorityWithAgingPolicy.StrictOnly).FindIndex(d => d.TaskId == "low") + 1;

        Assert.Equal(36, aging.MaxPassOvers(1));
        Assert.Equal(37, withAging); // passed over exactly MaxPassOvers times, then started
        Assert.Equal(256, strict); // without aging it starves until the stream dries up
    }

    [Fact]
    public void Dispatch_TimeAgingTenSecondsPerLevel_StartsWithinMaxAgingTime()
    {
        var tasks = new List<TaskSpec> { new("low", "echo", Priority: 1) };
        tasks.AddRange(Enumerable.Range(0, 200).Select(i => new TaskSpec($"hi{i}", "echo", Priority: 10)));
        var policy = new StrictPriorityWithAgingPolicy(null, TimeSpan.FromSeconds(10));

        var order = RunSerially(tasks, policy);
        var low = order.Single(d => d.TaskId == "low");

        Assert.Equal(TimeSpan.FromSeconds(90), policy.MaxAgingTime(1));
        Assert.Equal(TimeSpan.FromSeconds(90), low.Waited);
        Assert.Equal(91, low.DispatchNumber);
        Assert.Null(policy.MaxPassOvers(1));
    }

    /// <summary>Independent tasks with random priorities and deadlines for the lane-vs-scan check.</summary>
    public sealed record ReadyCase(int[] Priorities, int?[] DeadlineSeconds, bool UseDeadlinePolicy, int AgingStep);

    private static Gen<ReadyCase> ReadyCaseGen() =>
        from n in Gen.Choose(1, 40)
        from priorities in Gen.ArrayOf(Gen.Choose(1, 10), n)
        from deadlines in Gen.ArrayOf(Gen.Choose(-1, 500).Select(s => s < 0 ? (int?)null : s + 1000), n)
        from edf in Gen.Elements(false, true)
        from step in Gen.Choose(1, 6)
        select new ReadyCase(priorities, deadlines, edf, step);

    [Property(MaxTest = 200)]
    public Property Dispatch_AnyReadySet_SameOrderAsFullScanOfEvaluate() =>
        Prop.ForAll(Arb.From(ReadyCaseGen()), c =>
        {
            var tasks = c.Priorities
                .Select((p, i) => new TaskSpec($"t{i}", "echo", Priority: p, Deadline: c.DeadlineSeconds[i] is { } s ? T0.AddSeconds(s) : null))
                .ToArray();
            IPriorityPolicy policy = c.UseDeadlinePolicy ? new EarliestDeadlineFirstPolicy() : new StrictPriorityWithAgingPolicy(c.AgingStep);
            var actual = RunSerially(tasks, policy, new SchedulerOptions { FailOverdueTasks = false }).Select(d => d.TaskId).ToList();

            // Reference: evaluate every ready task at every step and take the best (ties: earlier ready).
            var remaining = Enumerable.Range(0, tasks.Length).ToList();
            var expected = new List<string>();
            var now = T0;
            for (var k = 0; remaining.Count > 0; k++)
            {
                var best = remaining
                    .Select(i => (i, key: policy.Evaluate(new ReadyTaskContext(
                        tasks[i], T0, now, i, k, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), tasks[i].Deadline))))
                    .OrderByDescending(x => x.key)
                    .ThenBy(x => x.i)
                    .First().i;
                expected.Add(tasks[best].TaskId!);
                remaining.Remove(best);
                now = now.AddSeconds(1);
            }

            Assert.Equal(expected, actual);
        });

    [Fact]
    public void Evaluate_EarliestDeadlineFirst_DeadlineTasksBeforeOthersEarliestFirst()
    {
        var tasks = new[]
        {
            new TaskSpec("none-p10", "echo", Priority: 10),
            new TaskSpec("late", "echo", Priority: 1, Deadline: T0.AddMinutes(10)),
            new TaskSpec("soon", "echo", Priority: 1, Deadline: T0.AddMinutes(1)),
            new TaskSpec("none-p3", "echo", Priority: 3),
        };

        var order = RunSerially(tasks, new EarliestDeadlineFirstPolicy()).Select(d => d.TaskId);

        Assert.Equal(["soon", "late", "none-p10", "none-p3"], order);
    }

    [Fact]
    public void Slack_WorkflowDeadline_DeadlineMinusNowMinusRemainingCriticalPath()
    {
        var tasks = new[] { new TaskSpec("a", "echo"), new TaskSpec("b", "echo", Dependencies: ["a"]), new TaskSpec("c", "echo", Dependencies: ["b"]) };
        var scheduler = new DagScheduler(TaskGraph.Create(tasks), new EarliestDeadlineFirstPolicy(), T0, new SchedulerOptions
        {
            WorkflowDeadline = T0.AddSeconds(100),
            DurationEstimate = _ => TimeSpan.FromSeconds(10),
        });

        Assert.Equal(TimeSpan.FromSeconds(30), scheduler.GetRemainingCriticalPath("a"));
        Assert.Equal(T0.AddSeconds(80), scheduler.GetEffectiveDeadline("a"));
        var key = scheduler.GetEffectivePriority("a", T0.AddSeconds(5));
        Assert.Equal(new PriorityKey(1, -75, 5), key); // 75 s to its effective deadline; slack = 100 - 5 - 30 = 65 s
        var context = new ReadyTaskContext(tasks[0], T0, T0.AddSeconds(5), 0, 0, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30), T0.AddSeconds(80));
        Assert.Equal(TimeSpan.FromSeconds(65), context.Slack);
    }

    /// <summary>Independent tasks built feasible for one worker; the tightest task has the lowest priority.</summary>
    public sealed record DeadlineCase(int[] DurationSeconds, int[] FeasibleOrder, int[] ExtraSlackSeconds, int[] Priorities);

    private static Gen<DeadlineCase> DeadlineCaseGen() =>
        from n in Gen.Choose(2, 12)
        from durations in Gen.ArrayOf(Gen.Choose(1, 10), n)
        from order in Gen.Shuffle(Enumerable.Range(0, n))
        from slack in Gen.ArrayOf(Gen.Choose(0, 15), n)
        from priorities in Gen.ArrayOf(Gen.Choose(2, 10), n)
        select new DeadlineCase(durations, order.ToArray(), slack, priorities);

    [Property(MaxTest = 200)]
    public Property Simulate_FeasibleDeadlines_EdfMeetsAllStrictPriorityMissesSome() =>
        Prop.ForAll(Arb.From(DeadlineCaseGen()), c =>
        {
            var n = c.DurationSeconds.Length;
            var deadlines = new int[n];
            var finish = 0;
            for (var k = 0; k < n; k++)
            {
                var task = c.FeasibleOrder[k];
                finish += c.DurationSeconds[task];
                deadlines[task] = finish + (k == 0 ? 0 : c.ExtraSlackSeconds[task]); // feasible: this order meets all
            }

            var priorities = (int[])c.Priorities.Clone();
            priorities[c.FeasibleOrder[0]] = 1; // the task with zero slack has the lowest priority
            var tasks = Enumerable.Range(0, n)
                .Select(i => new TaskSpec($"t{i}", "work", Priority: priorities[i], Deadline: T0.AddSeconds(deadlines[i])))
                .ToArray();

            var edfMisses = DeadlineSimulation.CountMisses(tasks, c.DurationSeconds, new EarliestDeadlineFirstPolicy(), T0);
            var strictMisses = DeadlineSimulation.CountMisses(tasks, c.DurationSeconds, StrictPriorityWithAgingPolicy.StrictOnly, T0);

            Assert.Equal(0, edfMisses);
            Assert.True(strictMisses > 0);
        });

    [Fact]
    public void Simulate_WorkflowDeadlineCriticalChain_EdfMeetsStrictPriorityExceeds()
    {
        // A low-priority 4-step chain and four high-priority 1-step tasks, 2 workers, 4 s deadline.
        var tasks = new List<TaskSpec>
        {
            new("c1", "work", Priority: 1),
            new("c2", "work", Priority: 1, Dependencies: ["c1"]),
            new("c3", "work", Priority: 1, Dependencies: ["c2"]),
            new("c4", "work", Priority: 1, Dependencies: ["c3"]),
        };
        tasks.AddRange(Enumerable.Range(0, 4).Select(i => new TaskSpec($"x{i}", "work", Priority: 10)));
        var workflow = new WorkflowSpec("wf", tasks, MaxParallelism: 2, Deadline: T0.AddSeconds(4));

        var edf = DeadlineSimulation.Run(workflow, new EarliestDeadlineFirstPolicy(), T0);
        var strict = DeadlineSimulation.Run(workflow, StrictPriorityWithAgingPolicy.StrictOnly, T0);

        Assert.Equal(8, edf.CountIn(TaskRunState.Completed));
        Assert.Equal(
            [TaskRunState.Completed, TaskRunState.Completed, TaskRunState.Failed, TaskRunState.Skipped],
            tasks.Take(4).Select(t => strict.GetState(t.TaskId!)));
        Assert.Equal(FailureReasons.DeadlineExceeded, strict.GetSnapshot("c3").Reason);
    }
}

/// <summary>A discrete-event simulation driven by a fake clock: tasks take their duration, nothing sleeps.</summary>
internal static class DeadlineSimulation
{
    public static int CountMisses(TaskSpec[] tasks, int[] durationSeconds, IPriorityPolicy policy, DateTimeOffset start)
    {
        var durations = tasks.Select((t, i) => (t.TaskId!, TimeSpan.FromSeconds(durationSeconds[i]))).ToDictionary();
        var finished = new Dictionary<string, DateTimeOffset>();
        var scheduler = Simulate(
            new WorkflowSpec("sim", tasks, MaxParallelism: 1),
            policy,
            start,
            durations,
            failOverdue: false,
            (id, at) => finished[id] = at);
        return tasks.Count(t => finished[t.TaskId!] > t.Deadline!.Value) + tasks.Length - scheduler.CountIn(TaskRunState.Completed);
    }

    public static DagScheduler Run(WorkflowSpec workflow, IPriorityPolicy policy, DateTimeOffset start) =>
        Simulate(workflow, policy, start, workflow.Tasks.ToDictionary(t => t.TaskId!, _ => TimeSpan.FromSeconds(1)), failOverdue: true, (_, _) => { });

    private static DagScheduler Simulate(
        WorkflowSpec workflow,
        IPriorityPolicy policy,
        DateTimeOffset start,
        Dictionary<string, TimeSpan> durations,
        bool failOverdue,
        Action<string, DateTimeOffset> onFinished)
    {
        var clock = new FakeTimeProvider(start);
        var scheduler = new DagScheduler(TaskGraph.Create(workflow), policy, clock.GetUtcNow(), new SchedulerOptions
        {
            MaxParallelism = workflow.MaxParallelism,
            WorkflowDeadline = workflow.Deadline,
            DurationEstimate = t => durations[t.TaskId!],
            FailOverdueTasks = failOverdue,
        });
        var running = new PriorityQueue<string, (DateTimeOffset At, long Seq)>();
        long seq = 0;
        while (true)
        {
            foreach (var dispatch in scheduler.DispatchAvailable(clock.GetUtcNow()))
            {
                running.Enqueue(dispatch.TaskId, (clock.GetUtcNow() + durations[dispatch.TaskId], seq++));
            }

            if (!running.TryDequeue(out var id, out var finish))
            {
                return scheduler;
            }

            clock.SetUtcNow(finish.At);
            scheduler.Complete(id, clock.GetUtcNow());
            onFinished(id, clock.GetUtcNow());
        }
    }
}
