using System.Text;
using Azure.Storage.Queues;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ServerlessTasks.Testing;

namespace LocalRuntime.Queues.Tests;

/// <summary>One contract for both transports, bound to each by a small subclass.</summary>
public abstract class QueueStoreContractTests
{
    protected abstract IQueueStore Store { get; }

    /// <summary>Lets <paramref name="time"/> pass on the store's clock (a fake clock advanced, or real time waited).</summary>
    protected abstract Task PassAsync(TimeSpan time);

    /// <summary>A queue name no other test uses.</summary>
    protected static string NewQueue() => "q" + Guid.NewGuid().ToString("N")[..20];

    [Fact]
    public async Task Send_ThenReceive_DeliversBodyWithReceiptAndFirstDequeueCount()
    {
        var queue = NewQueue();
        var sent = await Store.SendAsync(queue, BinaryData.FromString("""{"id":"é1"}"""));

        var received = Assert.Single(await Store.ReceiveAsync(queue, 16, TimeSpan.FromMinutes(1)));

        Assert.Equal(sent.Id, received.Id);
        Assert.True(Guid.TryParse(received.Id, out _), received.Id);
        Assert.Equal("""{"id":"é1"}""", received.Text);
        Assert.Equal(1, received.DequeueCount);
        Assert.False(string.IsNullOrEmpty(received.PopReceipt));
        Assert.Equal(TimeSpan.FromDays(7), received.ExpiresOn - received.InsertedOn);
        Assert.True(received.NextVisibleOn > received.InsertedOn, "the delivery is hidden");
    }

    [Fact]
    public async Task Send_BinaryBody_RoundTripsEveryByte()
    {
        var queue = NewQueue();
        byte[] bytes = [0, 255, 0xC3, 0x28, 10, 13, 1, 2, 3];
        await Store.SendAsync(queue, BinaryData.FromBytes(bytes));

        var received = Assert.Single(await Store.ReceiveAsync(queue, 1, TimeSpan.FromMinutes(1)));

        Assert.Equal(bytes, received.Body.ToArray());
    }

    [Fact]
    public async Task Receive_HidesDelivered_TakesAtMostMaxOldestFirst()
    {
        var queue = NewQueue();
        foreach (var body in new[] { "a", "b", "c" })
        {
            await Store.SendAsync(queue, BinaryData.FromString(body));
        }

        var first = await Store.ReceiveAsync(queue, 2, TimeSpan.FromMinutes(1));
        var second = await Store.ReceiveAsync(queue, 2, TimeSpan.FromMinutes(1));
        var none = await Store.ReceiveAsync(queue, 2, TimeSpan.FromMinutes(1));

        Assert.Equal(["a", "b"], first.Select(m => m.Text));
        Assert.Equal(["c"], second.Select(m => m.Text));
        Assert.Empty(none);
        Assert.Equal(3, await Store.GetCountAsync(queue));
    }

    [Fact]
    public async Task VisibilityTimeoutEnds_MessageRedelivered_OldReceiptStale()
    {
        var queue = NewQueue();
        await Store.SendAsync(queue, BinaryData.FromString("x"));
        var first = Assert.Single(await Store.ReceiveAsync(queue, 1, TimeSpan.FromSeconds(1)));

        await PassAsync(TimeSpan.FromSeconds(2));
        var second = Assert.Single(await Store.ReceiveAsync(queue, 1, TimeSpan.FromMinutes(1)));

        Assert.Equal((first.Id, 2L), (second.Id, second.DequeueCount));
        Assert.False(await Store.DeleteAsync(first));
        Assert.True(await Store.DeleteAsync(second));
        Assert.Equal(0, await Store.GetCountAsync(queue));
    }

    [Fact]
    public async Task UpdateVisibility_NewReceiptReplacesOld_ZeroMakesVisibleNow()
    {
        var queue = NewQueue();
        await Store.SendAsync(queue, BinaryData.FromString("x"));
        var leased = Assert.Single(await Store.ReceiveAsync(queue, 1, TimeSpan.FromMinutes(10)));

        var renewed = await Store.UpdateVisibilityAsync(leased, TimeSpan.FromMinutes(10));
        Assert.NotNull(renewed);
        Assert.NotEqual(leased.PopReceipt, renewed.PopReceipt);
        Assert.Null(await Store.UpdateVisibilityAsync(leased, TimeSpan.Zero));
        Assert.Empty(await Store.ReceiveAsync(queue, 1, TimeSpan.FromMinutes(1)));

        var released = await Store.UpdateVisibilityAsync(renewed, TimeSpan.Zero);
        Assert.NotNull(released);
        var again = Assert.Single(await Store.ReceiveAsync(queue, 1, TimeSpan.FromMinutes(1)));
        Assert.Equal(2, again.DequeueCount);
    }

    [Fact]
    public async Task Send_WithVisibilityDelay_HiddenUntilTheDelayPasses()
    {
        var queue = NewQueue();
        await Store.SendAsync(queue, BinaryData.FromString("later"), TimeSpan.FromSeconds(1));

        Assert.Empty(await Store.ReceiveAsync(queue, 1, TimeSpan.FromMinutes(1)));
        Assert.Empty(await Store.PeekAsync(queue));
        await PassAsync(TimeSpan.FromSeconds(2));

        Assert.Equal("later", Assert.Single(await Store.ReceiveAsync(queue, 1, TimeSpan.FromMinutes(1))).Text);
    }

    [Fact]
    public async Task MissingQueue_ReceivesNothingCountsZero_CreateIsIdempotent()
    {
        var queue = NewQueue();

        Assert.Empty(await Store.ReceiveAsync(queue, 1, TimeSpan.FromMinutes(1)));
        Assert.Equal(0, await Store.GetCountAsync(queue));
        await Store.CreateIfNotExistsAsync(queue);
        await Store.CreateIfNotExistsAsync(queue);
        Assert.Equal(0, await Store.GetCountAsync(queue));
    }

    [Fact]
    public async Task ConcurrentSendsAndReceives_EveryMessageStoredAndDeliveredOnce()
    {
        var queue = NewQueue();
        await Task.WhenAll(Enumerable.Range(0, 50).Select(i => Store.SendAsync(queue, BinaryData.FromString(i.ToString(System.Globalization.CultureInfo.InvariantCulture)))));

        var batches = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Store.ReceiveAsync(queue, 32, TimeSpan.FromMinutes(1))));
        var received = batches.SelectMany(b => b).ToList();
        while (received.Count < 50 && await Store.ReceiveAsync(queue, 32, TimeSpan.FromMinutes(1)) is { Count: > 0 } more)
        {
            received.AddRange(more);
        }

        Assert.Equal(Enumerable.Range(0, 50).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).Order(), received.Select(m => m.Text).Order());
        Assert.Equal(50, received.Select(m => m.Id).Distinct().Count());
        Assert.All(await Task.WhenAll(received.Select(m => Store.DeleteAsync(m))), Assert.True);
        Assert.Equal(0, await Store.GetCountAsync(queue));
    }

    [Fact]
    public async Task Send_RaisesMessageAddedForThatQueue()
    {
        var queue = NewQueue();
        var added = new List<string>();
        Store.MessageAdded += Record;
        try
        {
            await Store.SendAsync(queue, BinaryData.FromString("x"));
        }
        finally
        {
            Store.MessageAdded -= Record;
        }

        Assert.Contains(queue, added);

        void Record(string name)
        {
            lock (added)
            {
                added.Add(name);
            }
        }
    }
}

public sealed class SqliteQueueStoreContractTests : QueueStoreContractTests, IDisposable
{
    private readonly TestFolder _folder = new();
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly SqliteQueueStore _store;

    public SqliteQueueStoreContractTests() => _store = new SqliteQueueStore(new SqliteQueueStoreOptions { Path = _folder.File("queues.db") }, _clock);

    protected override IQueueStore Store => _store;

    protected override Task PassAsync(TimeSpan time)
    {
        _clock.Advance(time);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Reopen_AfterCrashWithDeliveryInFlight_MessageVisibleAtOnceWithItsCount()
    {
        var queue = NewQueue();
        await _store.SendAsync(queue, BinaryData.FromString("in-flight"));
        Assert.Single(await _store.ReceiveAsync(queue, 1, TimeSpan.FromMinutes(10)));

        // A second store on the same file stands in for the restarted host.
        using var reopened = new SqliteQueueStore(new SqliteQueueStoreOptions { Path = _store.Path }, _clock);
        var again = Assert.Single(await reopened.ReceiveAsync(queue, 1, TimeSpan.FromMinutes(10)));

        Assert.Equal(("in-flight", 2L), (again.Text, again.DequeueCount));
    }

    [Fact]
    public async Task Expired_NeverDelivered()
    {
        var queue = NewQueue();
        await _store.SendAsync(queue, BinaryData.FromString("short"), timeToLive: TimeSpan.FromSeconds(5));
        await _store.SendAsync(queue, BinaryData.FromString("long"));

        _clock.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(["long"], (await _store.ReceiveAsync(queue, 5, TimeSpan.FromMinutes(1))).Select(m => m.Text));
    }

    [Fact]
    public async Task NextVisibleTime_IsTheEarliestHiddenMessage()
    {
        var queue = NewQueue();
        Assert.Null(await _store.GetNextVisibleTimeAsync(queue));
        await _store.SendAsync(queue, BinaryData.FromString("a"), TimeSpan.FromSeconds(30));
        await _store.SendAsync(queue, BinaryData.FromString("b"), TimeSpan.FromSeconds(10));

        Assert.Equal(_clock.GetUtcNow().AddSeconds(10), await _store.GetNextVisibleTimeAsync(queue));
        Assert.True(await _store.ExistsAsync(queue));
    }

    public void Dispose()
    {
        _store.Dispose();
        _folder.Dispose();
    }
}

[Collection(AzuriteCollection.Name)]
public sealed class AzureStorageQueueStoreContractTests(AzuriteFixture azurite) : QueueStoreContractTests
{
    private readonly AzureStorageQueueStore _store = new(
        new QueueServiceClient(azurite.ConnectionString, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None }),
        QueueMessageEncoding.Base64,
        NullLogger<AzureStorageQueueStore>.Instance);

    protected override IQueueStore Store => _store;

    protected override Task PassAsync(TimeSpan time) => Task.Delay(time);

    [Fact]
    public async Task Base64Encoding_OnTheWire_AsTheExtensionWritesIt()
    {
        var queue = NewQueue();
        await _store.SendAsync(queue, BinaryData.FromString("hello"));

        var raw = new QueueClient(azurite.ConnectionString, queue);
        var peeked = Assert.Single((await raw.PeekMessagesAsync(1)).Value);

        Assert.Equal(Convert.ToBase64String(Encoding.UTF8.GetBytes("hello")), peeked.Body.ToString());
    }

    [Fact]
    public async Task UndecodableMessage_CopiedAsReceivedToPoisonQueue_NeverDelivered()
    {
        var queue = NewQueue();
        var raw = new QueueClient(azurite.ConnectionString, queue);
        await raw.CreateAsync();
        await raw.SendMessageAsync("not base64 at all!");
        await _store.SendAsync(queue, BinaryData.FromString("fine"));

        var received = await _store.ReceiveAsync(queue, 16, TimeSpan.FromMinutes(1));

        Assert.Equal(["fine"], received.Select(m => m.Text));
        var poison = Assert.Single((await new QueueClient(azurite.ConnectionString, queue + "-poison").PeekMessagesAsync(5)).Value);
        Assert.Equal("not base64 at all!", poison.Body.ToString());
        Assert.Equal(1, (await raw.GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }
}
