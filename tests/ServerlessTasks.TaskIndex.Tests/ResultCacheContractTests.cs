using Azure.Data.Tables;
using ServerlessTasks.TaskIndex.Caching;
using ServerlessTasks.TaskIndex.Tables;
using ServerlessTasks.Testing;

namespace ServerlessTasks.TaskIndex.Tests;

/// <summary>The result cache contract (expiry, LRU by entries and by bytes, expired first), run against every store.</summary>
public abstract class ResultCacheContractTests
{
    protected static readonly DateTimeOffset T0 = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    protected abstract Task<IResultCache> CreateAsync(ResultCacheLimits limits);

    /// <summary>Brings the store within its limits (the Tables store sweeps every few stores; the others on each store).</summary>
    protected virtual Task SettleAsync(IResultCache cache, DateTimeOffset now) => Task.CompletedTask;

    private static CachedResult Entry(string key, DateTimeOffset at, int ttlSeconds = 60, string result = "42") => new(key, result, at, at.AddSeconds(ttlSeconds));

    [Fact]
    public async Task Get_WithinTtlAndMaxAge_Hits_ElseMisses()
    {
        var cache = await CreateAsync(ResultCacheLimits.Default);
        Assert.True(await cache.PutAsync(Entry("k1", T0, ttlSeconds: 60, result: """{"a":1}"""), T0));

        var hit = await cache.GetAsync("k1", T0.AddSeconds(-10), T0.AddSeconds(30));
        Assert.Equal("""{"a":1}""", hit!.Result);
        Assert.Equal(T0, hit.StoredAt);
        Assert.Null(await cache.GetAsync("k1", T0.AddSeconds(1), T0.AddSeconds(30))); // older than the asker's ttl
        Assert.Null(await cache.GetAsync("k1", T0, T0.AddSeconds(60))); // expired
        Assert.Null(await cache.GetAsync("other", T0, T0));
    }

    [Fact]
    public async Task Put_OverMaxEntries_EvictsLeastRecentlyUsed()
    {
        var cache = await CreateAsync(new ResultCacheLimits { MaxEntries = 2 });
        await cache.PutAsync(Entry("a", T0), T0);
        await cache.PutAsync(Entry("b", T0.AddSeconds(1)), T0.AddSeconds(1));
        Assert.NotNull(await cache.GetAsync("a", T0, T0.AddSeconds(2))); // a is now more recently used than b
        await cache.PutAsync(Entry("c", T0.AddSeconds(3)), T0.AddSeconds(3));
        await SettleAsync(cache, T0.AddSeconds(3));

        Assert.NotNull(await cache.GetAsync("a", T0, T0.AddSeconds(4)));
        Assert.Null(await cache.GetAsync("b", T0, T0.AddSeconds(4)));
        Assert.NotNull(await cache.GetAsync("c", T0, T0.AddSeconds(4)));
        Assert.Equal(2, (await cache.StatsAsync()).Entries);
    }

    [Fact]
    public async Task Put_ExpiredEntries_GoFirst()
    {
        var cache = await CreateAsync(new ResultCacheLimits { MaxEntries = 2 });
        await cache.PutAsync(Entry("fresh-old-use", T0, ttlSeconds: 600), T0);
        await cache.PutAsync(Entry("short", T0.AddSeconds(1), ttlSeconds: 5), T0.AddSeconds(1));
        await cache.PutAsync(Entry("new", T0.AddSeconds(10), ttlSeconds: 600), T0.AddSeconds(10));
        await SettleAsync(cache, T0.AddSeconds(10));

        // short expired at +6 s: it goes, though fresh-old-use was used longer ago.
        Assert.NotNull(await cache.GetAsync("fresh-old-use", T0, T0.AddSeconds(11)));
        Assert.NotNull(await cache.GetAsync("new", T0, T0.AddSeconds(11)));
        Assert.Equal(2, (await cache.StatsAsync()).Entries);
    }

    [Fact]
    public async Task Put_OverMaxBytes_EvictsLeastRecentlyUsed_AndRefusesAResultOverTheLimit()
    {
        var cache = await CreateAsync(new ResultCacheLimits { MaxBytes = 10 });
        Assert.True(await cache.PutAsync(Entry("a", T0, result: "12345"), T0));
        Assert.True(await cache.PutAsync(Entry("b", T0.AddSeconds(1), result: "1234"), T0.AddSeconds(1)));
        Assert.True(await cache.PutAsync(Entry("c", T0.AddSeconds(2), result: "123"), T0.AddSeconds(2)));
        await SettleAsync(cache, T0.AddSeconds(2));
        Assert.Null(await cache.GetAsync("a", T0, T0.AddSeconds(3)));
        Assert.Equal(new ResultCacheStats(2, 7), await cache.StatsAsync());

        Assert.False(await cache.PutAsync(Entry("huge", T0.AddSeconds(3), result: "12345678901"), T0.AddSeconds(3)));
        Assert.Null(await cache.GetAsync("huge", T0, T0.AddSeconds(4)));
    }

    [Fact]
    public async Task Put_SameKey_ReplacesTheEntry()
    {
        var cache = await CreateAsync(ResultCacheLimits.Default);
        await cache.PutAsync(Entry("k", T0, result: "1"), T0);
        await cache.PutAsync(Entry("k", T0.AddSeconds(5), result: "2"), T0.AddSeconds(5));
        Assert.Equal("2", (await cache.GetAsync("k", T0, T0.AddSeconds(6)))!.Result);
        Assert.Equal(1, (await cache.StatsAsync()).Entries);
    }
}

public sealed class InMemoryResultCacheTests : ResultCacheContractTests
{
    protected override async Task<IResultCache> CreateAsync(ResultCacheLimits limits)
    {
        var cache = SqliteResultCache.InMemory(limits);
        await cache.InitializeAsync();
        return cache;
    }
}

public sealed class SqliteResultCacheTests : ResultCacheContractTests, IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "results-" + Guid.NewGuid().ToString("N"));

    protected override async Task<IResultCache> CreateAsync(ResultCacheLimits limits)
    {
        var cache = new SqliteResultCache(Path.Combine(_folder, Guid.NewGuid().ToString("N") + ".db"), limits);
        await cache.InitializeAsync();
        return cache;
    }

    [Fact]
    public async Task Reopened_KeepsItsEntries()
    {
        var path = Path.Combine(_folder, "restart.db");
        await using (var first = new SqliteResultCache(path))
        {
            await first.PutAsync(new CachedResult("k", "\"kept\"", T0, T0.AddHours(1)), T0);
        }

        await using var second = new SqliteResultCache(path);
        Assert.Equal("\"kept\"", (await second.GetAsync("k", T0, T0.AddMinutes(1)))!.Result);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A file still open on some platforms; the temp folder is the OS's to clean.
        }
    }
}

public sealed class TableResultCacheTests(AzuriteFixture azurite) : ResultCacheContractTests, IClassFixture<AzuriteFixture>
{
    protected override async Task<IResultCache> CreateAsync(ResultCacheLimits limits)
    {
        var cache = new TableResultCache(new TableServiceClient(azurite.ConnectionString), TableTaskIndexTests.UniquePrefix(), limits);
        await cache.InitializeAsync();
        return cache;
    }

    protected override Task SettleAsync(IResultCache cache, DateTimeOffset now) => ((TableResultCache)cache).SweepAsync(now);
}
