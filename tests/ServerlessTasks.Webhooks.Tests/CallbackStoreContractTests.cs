
namespace ServerlessTasks.Webhooks.Tests;

/// <summary>One contract for every callback store provider.</summary>
public abstract class CallbackStoreContractTests
{
    protected abstract ICallbackStore CreateStore();

    private static CallbackRecord Record(string id, string workflow = "wf") => new()
    {
        DeliveryId = id,
        WorkflowId = workflow,
        Event = "completed",
        Url = "https://example.com/hook",
        WebhookId = "msg_x",
        Request = "{}",
        UpdatedAt = new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero),
    };

    [Fact]
    public async Task Add_Twice_KeepsTheFirstAndSaveReplaces()
    {
        var store = CreateStore();
        await store.AddAsync(Record("a") with { Attempts = 1 });

        var second = await store.AddAsync(Record("a") with { Attempts = 5 });
        Assert.Equal(1, second.Attempts);

        await store.SaveAsync(second with { Status = CallbackDeliveryStatus.Delivered, LastError = "x", Attempts = 2 });
        var read = await store.GetAsync("a");
        Assert.Equal(CallbackDeliveryStatus.Delivered, read!.Status);
        Assert.Equal(2, read.Attempts);
        Assert.Equal("x", read.LastError);
        Assert.Null(await store.GetAsync("missing"));
    }

    [Fact]
    public async Task AddRange_CreatesOnlyNewRecords_ReturnsStoredOnesInOrder()
    {
        var store = CreateStore();
        await store.AddAsync(Record("b") with { Attempts = 3 });

        var stored = await store.AddRangeAsync([Record("a"), Record("b"), Record("c", "other")]);

        Assert.Equal(["a", "b", "c"], stored.Select(r => r.DeliveryId));
        Assert.Equal(3, stored[1].Attempts); // the existing record, not the new one
        Assert.Equal(2, (await store.ListForWorkflowAsync("wf")).Count);
        Assert.Equal(0, (await store.GetAsync("c"))!.Attempts);
        Assert.Empty(await store.AddRangeAsync([]));
    }

    [Fact]
    public async Task ListByStatus_PagesOldestChangeFirst()
    {
        var store = CreateStore();
        foreach (var id in new[] { "a", "b", "c" })
        {
            await store.SaveAsync(Record(id) with { Status = CallbackDeliveryStatus.DeadLettered });
        }

        await store.SaveAsync(Record("a") with { Status = CallbackDeliveryStatus.DeadLettered, Redrives = 1 });
        await store.SaveAsync(Record("d") with { Status = CallbackDeliveryStatus.Delivered });

        var page = await store.ListByStatusAsync(CallbackDeliveryStatus.DeadLettered, 2, 0);
        Assert.Equal(3, page.Total);
        Assert.Equal(["b", "c"], page.Items.Select(i => i.DeliveryId));
        Assert.Equal(["a"], (await store.ListByStatusAsync(CallbackDeliveryStatus.DeadLettered, 2, 2)).Items.Select(i => i.DeliveryId));
        Assert.Equal(4, (await store.ListForWorkflowAsync("wf")).Count);
    }

    [Fact]
    public async Task DisableEndpoint_IsRemembered()
    {
        var store = CreateStore();
        Assert.False(await store.IsEndpointDisabledAsync("https://example.com/hook"));

        await store.DisableEndpointAsync("https://example.com/hook", DateTimeOffset.UnixEpoch);
        await store.DisableEndpointAsync("https://example.com/hook", DateTimeOffset.UnixEpoch);

        Assert.True(await store.IsEndpointDisabledAsync("https://example.com/hook"));
        Assert.False(await store.IsEndpointDisabledAsync("https://example.com/other"));
    }
}

public sealed class InMemoryCallbackStoreTests : CallbackStoreContractTests
{
    protected override ICallbackStore CreateStore() => new InMemoryCallbackStore();
}

public sealed class SqliteCallbackStoreTests : CallbackStoreContractTests, IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"callbacks-{Guid.NewGuid():N}");

    protected override ICallbackStore CreateStore() => new SqliteCallbackStore(Path.Combine(_folder, $"{Guid.NewGuid():N}.db"));

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a store not disposed by a test may still hold its file.
        }
    }
}

/// <summary>The contract on the Azure Tables store, against Azurite; every store gets a table of its own.</summary>
public sealed class TableCallbackStoreTests(ServerlessTasks.Testing.AzuriteFixture azurite) : CallbackStoreContractTests, IClassFixture<ServerlessTasks.Testing.AzuriteFixture>
{
    protected override ICallbackStore CreateStore()
    {
        var store = new Tables.TableCallbackStore(new Azure.Data.Tables.TableServiceClient(azurite.ConnectionString), "c" + Guid.NewGuid().ToString("N")[..12]);
        store.InitializeAsync().GetAwaiter().GetResult();
        return store;
    }

    [Fact]
    public async Task Add_LargeRequestAndHostileIds_RoundTrip()
    {
        var store = CreateStore();
        var record = new CallbackRecord
        {
            DeliveryId = "callback:wf%3A/#?!:completed",
            WorkflowId = "wf:/#?!",
            Event = "completed",
            Url = "https://example.com/hook?x=" + new string('u', 3000),
            WebhookId = "msg_x",
            Request = new string('r', 300_000),
        };

        await store.AddAsync(record);
        await store.DisableEndpointAsync(record.Url, DateTimeOffset.UnixEpoch);

        var read = await store.GetAsync(record.DeliveryId);
        Assert.Equal(record.Request, read!.Request);
        Assert.Equal(record.WorkflowId, read.WorkflowId);
        Assert.Equal(string.Empty, (await store.ListForWorkflowAsync(record.WorkflowId)).Single().Request);
        Assert.True(await store.IsEndpointDisabledAsync(record.Url));
    }
}

/// <summary>Two app instances on one callback table (two clients, as two hosts on one storage account).</summary>
public sealed class TableCallbackStoreRaceTests(ServerlessTasks.Testing.AzuriteFixture azurite) : IClassFixture<ServerlessTasks.Testing.AzuriteFixture>
{
    private async Task<ICallbackStore> OnTableAsync(string prefix)
    {
        var store = new Tables.TableCallbackStore(new Azure.Data.Tables.TableServiceClient(azurite.ConnectionString), prefix);
        await store.InitializeAsync();
        return store;
    }

    [Fact]
    public async Task AddRange_TwoInstancesAddTheSameDeliveries_EachStoredOnce_BothSeeTheFirstWriters()
    {
        var prefix = "r" + Guid.NewGuid().ToString("N")[..12];
        var (first, second) = (await OnTableAsync(prefix), await OnTableAsync(prefix));
        CallbackRecord Record(int i, int attempts) => new()
        {
            DeliveryId = $"d{i}",
            WorkflowId = $"wf{i % 3}",
            Event = "completed",
            Url = "https://example.com/hook",
            WebhookId = $"msg_{i}",
            Request = "{}",
            Attempts = attempts,
        };

        var a = Enumerable.Range(0, 150).Select(i => Record(i, 1)).ToList();
        var b = Enumerable.Range(0, 150).Select(i => Record(i, 2)).ToList();
        var results = await Task.WhenAll(first.AddRangeAsync(a), second.AddRangeAsync(b));

        for (var i = 0; i < 150; i++)
        {
            var stored = await first.GetAsync($"d{i}");
            Assert.NotNull(stored);
            Assert.Equal(stored.Attempts, results[0][i].Attempts); // both callers got the stored record back
            Assert.Equal(stored.Attempts, results[1][i].Attempts);
        }

        var all = new List<CallbackRecord>();
        foreach (var workflow in new[] { "wf0", "wf1", "wf2" })
        {
            all.AddRange(await second.ListForWorkflowAsync(workflow));
        }

        Assert.Equal(150, all.Count);
        Assert.Equal(150, all.Select(r => r.DeliveryId).Distinct().Count());
    }
}
