using System.Collections.Concurrent;

namespace ServerlessTasks.TaskIndex.Tenants;

/// <summary>The tenant directory in memory (the <c>memory</c> store provider and unit tests).</summary>
public sealed class InMemoryTenantDirectory : ITenantDirectory
{
    private readonly ConcurrentDictionary<(TenantResource Kind, string Id), string> _owners = new();

    /// <inheritdoc />
    public Task InitializeAsync(CancellationToken cancellation = default) => Task.CompletedTask;

    /// <inheritdoc />
    public Task<TenantClaim> ClaimAsync(TenantResource kind, string id, string tenant, CancellationToken cancellation = default)
    {
        var created = _owners.TryAdd((kind, id), tenant);
        return Task.FromResult(new TenantClaim(created ? tenant : _owners[(kind, id)], created));
    }

    /// <inheritdoc />
    public Task<bool> ReleaseAsync(TenantResource kind, string id, string tenant, CancellationToken cancellation = default) =>
        Task.FromResult(_owners.TryRemove(new KeyValuePair<(TenantResource, string), string>((kind, id), tenant)));

    /// <inheritdoc />
    public Task<string?> OwnerAsync(TenantResource kind, string id, CancellationToken cancellation = default) =>
        Task.FromResult(_owners.TryGetValue((kind, id), out var owner) ? owner : null);

    /// <inheritdoc />
    public Task<IReadOnlySet<string>> OwnedAsync(TenantResource kind, string tenant, CancellationToken cancellation = default) =>
        Task.FromResult<IReadOnlySet<string>>(_owners.Where(o => o.Key.Kind == kind && o.Value == tenant).Select(o => o.Key.Id).ToHashSet(StringComparer.Ordinal));
}
