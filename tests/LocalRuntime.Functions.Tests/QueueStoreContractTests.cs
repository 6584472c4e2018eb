using LocalRuntime.Functions.Queues;
using Microsoft.Extensions.Time.Testing;

namespace LocalRuntime.Functions.Tests;

/// <summary>One contract for every queue store; bound to each by a one-line subclass.</summary>
public abstract class QueueStoreContractTests : IAsyncLifetime
{
    protected FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));

    protected IQueueStore Store { get; private set; } = null!;

    protected abstract IQueueStore Create();

    public async Task InitializeAsync()
    {
        Store = Create();
        await Store.InitializeAsync();
    }

    public virtual async Task DisposeAsync() => await Store.DisposeAsync();

    [Fact]
    public async Task Dequeue_OldestFirst_HidesLeasedAndCountsDequeues()
    {
        await Store.EnqueueAsync("q1", "a");
        await Store.EnqueueAsync("q1", "b");
        await Store.EnqueueAsync("other", "x");

        var first = await Store.DequeueAsync("q1", 1, TimeSpan.FromMinutes(1));
        var second = await Store.DequeueAsync("q1", 5, TimeSpan.FromMinutes(1));
        var none = await Store.DequeueAsync("q1", 5, TimeSpan.FromMinutes(1));

        Assert.Equal("a", Assert.Single(first).Body);
        Assert.Equal("b", Assert.Single(second).Body);
        Assert.Empty(none);
        Assert.Equal(1, first[0].DequeueCount);
        Assert.NotNull(first[0].PopReceipt);
    }

    [Fact]
    public async Task LeaseExpiry_MakesMessageVisibleAgain_OldReceiptIsStale()
    {
        await Store.EnqueueAsync("q1", "a");
        var first = (await Store.DequeueAsync("q1", 1, TimeSpan.FromSeconds(10))).Single();

        Clock.Advance(TimeSpan.FromSeconds(10));
        var second = (await Store.DequeueAsync("q1", 1, TimeSpan.FromSeconds(10))).Single();

        Assert.Equal(2, second.DequeueCount);
        Assert.False(await Store.DeleteAsync(first));
        Assert.True(await Store.DeleteAsync(second));
        Assert.Empty(await Store.PeekAllAsync("q1"));
    }

    [Fact]
    public async Task Release_HidesForTheDelay()
    {
        await Store.EnqueueAsync("q1", "a");
        var leased = (await Store.DequeueAsync("q1", 1, TimeSpan.FromMinutes(10))).Single();

        Assert.True(await Store.ReleaseAsync(leased, TimeSpan.FromSeconds(5)));

        Assert.Empty(await Store.DequeueAsync("q1", 1, TimeSpan.FromMinutes(1)));
        Assert.Equal(Clock.GetUtcNow().AddSeconds(5), await Store.GetNextVisibleTimeAsync("q1"));
        Clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Single(await Store.DequeueAsync("q1", 1, TimeSpan.FromMinutes(1)));
    }

    [Fact]
    public async Task Move_ToPoison_ResetsCountAndIsVisible()
    {
        await Store.EnqueueAsync("q1", "bad");
        var leased = (await Store.DequeueAsync("q1", 1, TimeSpan.FromMinutes(10))).Single();

        Assert.True(await Store.MoveAsync(leased, QueueNames.Poison("q1")));
        Assert.False(await Store.MoveAsync(leased, QueueNames.Poison("q1")));

        Assert.Empty(await Store.PeekAllAsync("q1"));
        var poisoned = (await Store.PeekAllAsync("q1-poison")).Single();
        Assert.Equal(("bad", 0L, (string?)null), (poisoned.Body, poisoned.DequeueCount, poisoned.PopReceipt));
    }

    [Fact]
    public async Task Enqueue_RaisesMessageAdded_AndHonoursInitialDelay()
    {
        var added = new List<string>();
        Store.MessageAdded += added.Add;

        await Store.EnqueueAsync("q1", "later", TimeSpan.FromSeconds(3));

        Assert.Equal(["q1"], added);
        Assert.Empty(await Store.DequeueAsync("q1", 1, TimeSpan.FromMinutes(1)));
        Assert.Null(await Store.GetNextVisibleTimeAsync("empty-queue"));
        Clock.Advance(TimeSpan.FromSeconds(3));
        Assert.Single(await Store.DequeueAsync("q1", 1, TimeSpan.FromMinutes(1)));
    }
}

public sealed class InMemoryQueueStoreTests : QueueStoreContractTests
{
    protected override IQueueStore Create() => new InMemoryQueueStore(Clock);
}

public sealed class SqliteQueueStoreTests : QueueStoreContractTests
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"lrf-queues-{Guid.NewGuid():N}.db");

    protected override IQueueStore Create() => new SqliteQueueStore(_path, Clock);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        foreach (var file in new[] { _path, _path + "-wal", _path + "-shm" })
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Reopen_AfterCrashWithLeasedMessage_ReturnsItAtOnce()
    {
        await Store.EnqueueAsync("q1", "in-flight");
        Assert.Single(await Store.DequeueAsync("q1", 1, TimeSpan.FromMinutes(10)));

        // A second store on the same file stands in for the restarted process.
        await using var reopened = new SqliteQueueStore(_path, Clock);
        await reopened.InitializeAsync();
        var again = (await reopened.DequeueAsync("q1", 1, TimeSpan.FromMinutes(10))).Single();

        Assert.Equal(("in-flight", 2L), (again.Body, again.DequeueCount));
    }
}
