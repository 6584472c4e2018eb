using Azure.Data.Tables;
using ServerlessTasks.TaskIndex.Tables;
using ServerlessTasks.TaskIndex.Tenants;
using ServerlessTasks.Testing;

namespace ServerlessTasks.TaskIndex.Tests;

/// <summary>The tenant directory contract, run against every store.</summary>
public abstract class TenantDirectoryContractTests
{
    protected abstract Task<ITenantDirectory> CreateAsync();

    [Fact]
    public async Task Claim_FirstTenantOwnsForGood_PerKind()
    {
        var directory = await CreateAsync();
        Assert.Equal(new TenantClaim("acme", true), await directory.ClaimAsync(TenantResource.Instance, "task:x/1", "acme"));
        Assert.Equal(new TenantClaim("acme", false), await directory.ClaimAsync(TenantResource.Instance, "task:x/1", "acme"));
        Assert.Equal(new TenantClaim("acme", false), await directory.ClaimAsync(TenantResource.Instance, "task:x/1", "globex"));
        Assert.Equal(new TenantClaim("globex", true), await directory.ClaimAsync(TenantResource.Worker, "task:x/1", "globex")); // kinds are separate

        Assert.Equal("acme", await directory.OwnerAsync(TenantResource.Instance, "task:x/1"));
        Assert.Null(await directory.OwnerAsync(TenantResource.Instance, "never"));
    }

    [Fact]
    public async Task Claim_Racing_OneWinner()
    {
        var directory = await CreateAsync();
        var claims = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => directory.ClaimAsync(TenantResource.Instance, "raced", $"t{i}")));
        var winner = Assert.Single(claims, c => c.Created);
        Assert.All(claims, c => Assert.Equal(winner.Owner, c.Owner));
    }

    [Fact]
    public async Task Release_OnlyTheTenantsOwnClaim_ThenTheIdIsFreeAndUnlisted()
    {
        var directory = await CreateAsync();
        await directory.ClaimAsync(TenantResource.Instance, "op#1", "acme");
        await directory.ClaimAsync(TenantResource.Instance, "kept", "acme");

        Assert.False(await directory.ReleaseAsync(TenantResource.Instance, "op#1", "globex")); // not globex's
        Assert.False(await directory.ReleaseAsync(TenantResource.Worker, "op#1", "acme")); // another kind
        Assert.False(await directory.ReleaseAsync(TenantResource.Instance, "never", "acme"));
        Assert.Equal("acme", await directory.OwnerAsync(TenantResource.Instance, "op#1"));

        Assert.True(await directory.ReleaseAsync(TenantResource.Instance, "op#1", "acme"));
        Assert.False(await directory.ReleaseAsync(TenantResource.Instance, "op#1", "acme"));
        Assert.Null(await directory.OwnerAsync(TenantResource.Instance, "op#1"));
        Assert.Equal(["kept"], await directory.OwnedAsync(TenantResource.Instance, "acme"));
        Assert.Equal(new TenantClaim("globex", true), await directory.ClaimAsync(TenantResource.Instance, "op#1", "globex"));
    }

    [Fact]
    public async Task Owned_ListsATenantsIdsOfOneKind()
    {
        var directory = await CreateAsync();
        await directory.ClaimAsync(TenantResource.Instance, "a", "acme");
        await directory.ClaimAsync(TenantResource.Instance, "b#?", "acme");
        await directory.ClaimAsync(TenantResource.Instance, "c", "globex");
        await directory.ClaimAsync(TenantResource.Worker, "w", "acme");

        Assert.Equal(["a", "b#?"], (await directory.OwnedAsync(TenantResource.Instance, "acme")).Order(StringComparer.Ordinal));
        Assert.Equal(["w"], await directory.OwnedAsync(TenantResource.Worker, "acme"));
        Assert.Empty(await directory.OwnedAsync(TenantResource.Schedule, "acme"));
    }
}

public sealed class InMemoryTenantDirectoryTests : TenantDirectoryContractTests
{
    protected override Task<ITenantDirectory> CreateAsync() => Task.FromResult<ITenantDirectory>(new InMemoryTenantDirectory());
}

public sealed class SqliteTenantDirectoryTests : TenantDirectoryContractTests
{
    protected override async Task<ITenantDirectory> CreateAsync()
    {
        var directory = new SqliteTenantDirectory(Path.Combine(Path.GetTempPath(), "tenants-" + Guid.NewGuid().ToString("N") + ".db"));
        await directory.InitializeAsync();
        return directory;
    }
}

public sealed class TableTenantDirectoryTests(AzuriteFixture azurite) : TenantDirectoryContractTests, IClassFixture<AzuriteFixture>
{
    protected override async Task<ITenantDirectory> CreateAsync()
    {
        var directory = new TableTenantDirectory(new TableServiceClient(azurite.ConnectionString), TableTaskIndexTests.UniquePrefix());
        await directory.InitializeAsync();
        return directory;
    }
}
