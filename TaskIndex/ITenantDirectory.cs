namespace ServerlessTasks.TaskIndex;

/// <summary>What a tenant can own: ids are global per kind, so a tenant owns an id of a kind or not.</summary>
public enum TenantResource
{
    /// <summary>An orchestration instance: a workflow, a single task (<c>task:{id}</c>) or an order.</summary>
    Instance,

    /// <summary>An external worker registration.</summary>
    Worker,

    /// <summary>A schedule.</summary>
    Schedule,
}

/// <summary>The outcome of <see cref="ITenantDirectory.ClaimAsync"/>.</summary>
/// <param name="Owner">The tenant that owns the id after the call.</param>
/// <param name="Created">Whether this call recorded the owner (the id had none).</param>
public sealed record TenantClaim(string Owner, bool Created);

/// <summary>
/// Who owns what, for API keys that carry a tenant: the tenant recorded on every instance, worker and schedule a tenant's
/// key creates. Something created by a key without a tenant has no owner here and is seen by such keys alone.
/// </summary>
/// <remarks>A claim is atomic (the first tenant to claim an id owns it for good), so two tenants racing for one id
/// cannot both win; the loser gets a conflict without learning anything of the other's submission.</remarks>
public interface ITenantDirectory
{
    /// <summary>Creates the store's tables as needed.</summary>
    Task InitializeAsync(CancellationToken cancellation = default);

    /// <summary>Records <paramref name="tenant"/> as the owner of <paramref name="id"/> unless it has one; the owner after the call.</summary>
    Task<TenantClaim> ClaimAsync(TenantResource kind, string id, string tenant, CancellationToken cancellation = default);

    /// <summary>
    /// Takes back <paramref name="tenant"/>'s claim on <paramref name="id"/> when the thing it claimed for turned out to
    /// exist already, created by a key without a tenant: the claim must not make the tenant its owner. True when a claim
    /// of that tenant was removed; another tenant's claim is never touched.
    /// </summary>
    Task<bool> ReleaseAsync(TenantResource kind, string id, string tenant, CancellationToken cancellation = default);

    /// <summary>The owner of <paramref name="id"/>, or null.</summary>
    Task<string?> OwnerAsync(TenantResource kind, string id, CancellationToken cancellation = default);

    /// <summary>Every id of <paramref name="kind"/> that <paramref name="tenant"/> owns.</summary>
    Task<IReadOnlySet<string>> OwnedAsync(TenantResource kind, string tenant, CancellationToken cancellation = default);
}
