using ServerlessTasks.Activities.Workers;

namespace ServerlessTasks.Tests.Workers;

/// <summary>The long-poll wake-up: one waiter per queued task of its type, passed on when not used, everyone for untyped work.</summary>
public sealed class WorkSignalTests
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(50);

    [Fact]
    public async Task Pulse_TypedTask_WakesOnlyTheLongestWaitingWaiterThatRunsIt()
    {
        var signal = new WorkSignal();
        var other = signal.Register(["transcode"]);
        var first = signal.Register(["resize"]);
        var second = signal.Register(["resize", "transcode"]);

        signal.Pulse("resize");

        Assert.True(await WorkSignal.WaitAsync(first, Short, CancellationToken.None));
        Assert.False(await WorkSignal.WaitAsync(second, Short, CancellationToken.None));
        Assert.False(await WorkSignal.WaitAsync(other, Short, CancellationToken.None));
    }

    [Fact]
    public async Task Leave_WokenButPassingOn_TheNextWaiterIsWoken()
    {
        var signal = new WorkSignal();
        var first = signal.Register(["resize"]);
        var second = signal.Register(["resize"]);
        signal.Pulse("resize");
        Assert.True(await WorkSignal.WaitAsync(first, Short, CancellationToken.None));

        signal.Leave(first, passOn: true);

        Assert.True(await WorkSignal.WaitAsync(second, Short, CancellationToken.None));
    }

    [Fact]
    public async Task Leave_WokenAndLookingNext_NothingPassedOn()
    {
        var signal = new WorkSignal();
        var first = signal.Register(null);
        var second = signal.Register(null);
        signal.Pulse("resize");

        signal.Leave(first, passOn: false);

        Assert.False(await WorkSignal.WaitAsync(second, Short, CancellationToken.None));
    }

    [Fact]
    public async Task Pulse_Untyped_WakesEveryone()
    {
        var signal = new WorkSignal();
        var waiters = new[] { signal.Register(["a"]), signal.Register(["b"]), signal.Register(null) };

        signal.Pulse();

        foreach (var waiter in waiters)
        {
            Assert.True(await WorkSignal.WaitAsync(waiter, Short, CancellationToken.None));
        }
    }
}
