using ServerlessTasks.Domain.Dag;
using ServerlessTasks.Domain.Model;
using ServerlessTasks.Domain.Scheduling;

namespace ServerlessTasks.Domain.Tests.Scheduling;

public class DagSchedulerTests
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static TaskSpec T(string id, int priority = 5, params string[] deps) => new(id, "echo", Priority: priority, Dependencies: deps);

    private static DagScheduler Scheduler(IReadOnlyList<TaskSpec> tasks, int? maxParallelism = null, IPriorityPolicy? policy = null) =>
        new(TaskGraph.Create(tasks), policy ?? StrictPriorityWithAgingPolicy.StrictOnly, T0, new SchedulerOptions { MaxParallelism = maxParallelism });

    [Fact]
    public void Constructor_RootsReady_OthersPending()
    {
        var scheduler = Scheduler([T("a"), T("b", 5, "a"), T("c")]);

        Assert.Equal(TaskRunState.Ready, scheduler.GetState("a"));
        Assert.Equal(TaskRunState.Pending, scheduler.GetState("b"));
        Assert.Equal(TaskRunState.Ready, scheduler.GetState("c"));
        Assert.Equal(2, scheduler.ReadyCount);
    }

    [Fact]
    public void Complete_LastDependency_ReleasesDependent()
    {
        var scheduler = Scheduler([T("a"), T("b"), T("c", 5, "a", "b")]);
        scheduler.DispatchAvailable(T0);

        Assert.Empty(scheduler.Complete("a", T0.AddSeconds(1)));
        Assert.Equal(["c"], scheduler.Complete("b", T0.AddSeconds(2)));
        Assert.Equal(TaskRunState.Ready, scheduler.GetState("c"));
    }

    [Fact]
    public void DispatchAvailable_MaxParallelismTwo_SlidingWindow()
    {
        var scheduler = Scheduler([T("a"), T("b"), T("c"), T("d")], maxParallelism: 2);

        Assert.Equal(["a", "b"], scheduler.DispatchAvailable(T0).Select(d => d.TaskId));
        Assert.Empty(scheduler.DispatchAvailable(T0));
        scheduler.Complete("b", T0.AddSeconds(1));
        Assert.Equal(["c"], scheduler.DispatchAvailable(T0.AddSeconds(1)).Select(d => d.TaskId));
        Assert.Equal(2, scheduler.RunningCount);
    }

    [Fact]
    public void StartReady_ReadyTask_RunsItAndLeavesTheOthersReady()
    {
        var scheduler = Scheduler([T("a"), T("b", 5, "a"), T("c", 9)]);
        scheduler.TryDispatchNext(T0, out _); // c (priority 9) first
        scheduler.TryDispatchNext(T0, out _);
        scheduler.Complete("a", T0.AddSeconds(1));

        scheduler.StartReady("b", T0.AddSeconds(1));

        Assert.Equal(TaskRunState.Running, scheduler.GetState("b"));
        Assert.Equal(3, scheduler.DispatchCount);
        Assert.Empty(scheduler.DispatchAvailable(T0.AddSeconds(1))); // b's lane entry is not dispatched again
        Assert.Throws<InvalidOperationException>(() => scheduler.StartReady("a", T0.AddSeconds(2)));
    }

    [Fact]
    public void StartReady_AfterCancel_ThrowsSinceNothingIsReady()
    {
        var scheduler = Scheduler([T("a")]);
        scheduler.Cancel(T0);

        Assert.Throws<InvalidOperationException>(() => scheduler.StartReady("a", T0));
    }

    [Fact]
    public void Fail_Task_SkipsTransitiveDependentsNamingFailedAncestor()
    {
        var scheduler = Scheduler([T("pay"), T("reserve", 5, "pay"), T("ship", 5, "reserve"), T("email")]);
        scheduler.DispatchAvailable(T0);
        scheduler.DrainTransitions();

        var skipped = scheduler.Fail("pay", T0.AddSeconds(3), "card declined");

        Assert.Equal(["reserve", "ship"], skipped);
        Assert.Equal(new TaskStateSnapshot("pay", TaskRunState.Failed, "card declined", null), scheduler.GetSnapshot("pay"));
        Assert.Equal(
            new TaskStateSnapshot("ship", TaskRunState.Skipped, FailureReasons.DependencyFailed, "pay"),
            scheduler.GetSnapshot("ship"));
        Assert.Equal(TaskRunState.Running, scheduler.GetState("email"));
        Assert.Equal(
            [
                new TaskTransition("pay", TaskRunState.Running, TaskRunState.Failed, T0.AddSeconds(3), "card declined"),
                new TaskTransition("reserve", TaskRunState.Pending, TaskRunState.Skipped, T0.AddSeconds(3), FailureReasons.DependencyFailed, "pay"),
                new TaskTransition("ship", TaskRunState.Pending, TaskRunState.Skipped, T0.AddSeconds(3), FailureReasons.DependencyFailed, "pay"),
            ],
            scheduler.DrainTransitions());
        Assert.True(scheduler.HasFailures);
    }

    [Fact]
    public void Complete_TaskNotRunning_Throws()
    {
        var scheduler = Scheduler([T("a"), T("b", 5, "a")]);

        Assert.Throws<InvalidOperationException>(() => scheduler.Complete("b", T0));
        Assert.Throws<InvalidOperationException>(() => scheduler.Complete("a", T0));
    }

    [Fact]
    public void Cancel_DuringFanOut_PendingCancelledRunningReportedNothingMoreDispatched()
    {
        var scheduler = Scheduler([T("a"), T("b"), T("c"), T("d", 5, "a")], maxParallelism: 2);
        scheduler.DispatchAvailable(T0);

        var running = scheduler.Cancel(T0.AddSeconds(1));
        scheduler.Complete("a", T0.AddSeconds(2));
        scheduler.MarkCancelled("b", T0.AddSeconds(2));

        Assert.Equal(["a", "b"], running);
        Assert.Empty(scheduler.DispatchAvailable(T0.AddSeconds(3)));
        Assert.True(scheduler.IsFinished);
        Assert.Equal(
            [TaskRunState.Completed, TaskRunState.Cancelled, TaskRunState.Cancelled, TaskRunState.Cancelled],
            scheduler.GetSnapshots().Select(s => s.State));
    }

    [Fact]
    public void TryDispatchNext_DeadlinePassed_FailsDeadlineExceededAndSkipsDependents()
    {
        var tasks = new[] { new TaskSpec("late", "echo", Deadline: T0.AddSeconds(5)), T("after", 5, "late") };
        var scheduler = new DagScheduler(TaskGraph.Create(tasks), new EarliestDeadlineFirstPolicy(), T0);

        Assert.False(scheduler.TryDispatchNext(T0.AddSeconds(5), out _));

        Assert.Equal(new TaskStateSnapshot("late", TaskRunState.Failed, FailureReasons.DeadlineExceeded, null), scheduler.GetSnapshot("late"));
        Assert.Equal(TaskRunState.Skipped, scheduler.GetState("after"));
        Assert.True(scheduler.IsFinished);
    }

    [Fact]
    public void GetCompensationOrder_FailedWorkflow_CompletedTasksInReverseDependencyOrder()
    {
        var undo = new CompensationSpec("undo");
        var tasks = new[]
        {
            new TaskSpec("pay", "echo", Compensate: undo),
            new TaskSpec("reserve", "echo", Dependencies: ["pay"], Compensate: undo),
            new TaskSpec("log", "echo", Dependencies: ["pay"]),
            new TaskSpec("ship", "echo", Dependencies: ["reserve"], Compensate: undo),
        };
        var scheduler = new DagScheduler(TaskGraph.Create(tasks), StrictPriorityWithAgingPolicy.StrictOnly, T0);
        scheduler.DispatchAvailable(T0);
        scheduler.Complete("pay", T0);
        scheduler.DispatchAvailable(T0);
        scheduler.Complete("reserve", T0);
        scheduler.Complete("log", T0);
        scheduler.DispatchAvailable(T0);
        scheduler.Fail("ship", T0, "carrier down");

        Assert.Equal(["reserve", "pay"], scheduler.GetCompensationOrder());
    }

    [Fact]
    public void Advance_TimeGoesBackwards_TreatedAsLatestSeen()
    {
        var scheduler = Scheduler([T("a"), T("b", 5, "a")]);
        scheduler.DispatchAvailable(T0.AddSeconds(10));
        scheduler.Complete("a", T0.AddSeconds(10));

        var dispatch = scheduler.DispatchAvailable(T0.AddSeconds(2)).Single();

        Assert.Equal(TimeSpan.Zero, dispatch.Waited);
        Assert.Equal(T0.AddSeconds(10), scheduler.DrainTransitions()[^1].At);
    }
}
