using ServerlessTasks.Domain.Scheduling;
using ServerlessTasks.Domain.Workers;

namespace ServerlessTasks.Domain.Tests.Workers;

public sealed class LeaseSelectorTests
{
    private static readonly DateTimeOffset T0 = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Select_ByPriorityThenQueueOrder_TakesAtMostMax()
    {
        var policy = LeaseSelector.DefaultPolicy(TimeSpan.FromSeconds(30));
        QueuedTask[] queued = [new("a", "t", 5, null, T0, 1), new("b", "t", 9, null, T0, 2), new("c", "t", 5, null, T0, 3), new("d", "t", 1, null, T0, 4)];

        var chosen = LeaseSelector.Select(policy, queued, q => q, T0, 3);

        Assert.Equal(["b", "a", "c"], chosen.Select(q => q.TaskId));
        Assert.Empty(LeaseSelector.Select(policy, queued, q => q, T0, 0));
    }

    [Fact]
    public void Select_WaitingTimeAges_BoundIsTenMinusPriorityTimesStep()
    {
        var policy = LeaseSelector.DefaultPolicy(TimeSpan.FromSeconds(30));
        var old = new QueuedTask("old", "t", 1, null, T0, 1);
        var fresh = new QueuedTask("fresh", "t", 10, null, T0.AddSeconds(270), 2);

        // At 4.5 min the priority-1 task is at level 10 - 1 = 9 steps up (270 s / 30 s): it ties the top and wins on order.
        Assert.Equal("old", LeaseSelector.Select(policy, [fresh, old], q => q, T0.AddSeconds(270), 1)[0].TaskId);
        Assert.Equal("fresh", LeaseSelector.Select(policy, [fresh, old], q => q, T0.AddSeconds(269), 1)[0].TaskId);
    }

    [Fact]
    public void Place_DeadlinePolicy_PutsDeadlineTasksInTheirOwnLane()
    {
        var policy = new EarliestDeadlineFirstPolicy();
        var (withDeadline, _) = LeaseSelector.Place(policy, new QueuedTask("a", "t", 5, T0.AddMinutes(1), T0, 1));
        var (without, _) = LeaseSelector.Place(policy, new QueuedTask("b", "t", 5, null, T0, 2));

        Assert.NotEqual(withDeadline, without);
    }

    [Fact]
    public void CreateToken_IsUrlSafeAndUnique()
    {
        var tokens = Enumerable.Range(0, 1000).Select(_ => LeaseTokens.Create()).ToList();

        Assert.Equal(1000, tokens.Distinct(StringComparer.Ordinal).Count());
        Assert.All(tokens, t => Assert.Matches("^[A-Za-z0-9_-]{43}$", t));
    }
}
