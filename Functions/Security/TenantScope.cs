using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ServerlessTasks.TaskIndex;

namespace ServerlessTasks.Functions.Security;

/// <summary>
/// The tenant a request acts for (from its API key, set by <see cref="ApiSecurityMiddleware"/>) and what it owns. A
/// request without a tenant (no keys configured, or a key without one) is unrestricted: it sees everything, as before
/// tenants existed.
/// </summary>
public static class TenantScope
{
    /// <summary>The tenant of the request's key, or null.</summary>
    public static string? TenantOf(HttpContext http) =>
        http?.Items.TryGetValue(ApiSecurityMiddleware.IdentityItem, out var item) == true && item is ClientIdentity { Tenant: { } tenant } ? tenant : null;

    /// <summary>The ids of <paramref name="kind"/> the request's tenant owns, or null when the request is unrestricted.</summary>
    public static async Task<IReadOnlySet<string>?> OwnedAsync(HttpContext http, TenantResource kind, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(http);
        return TenantOf(http) is { } tenant
            ? await http.RequestServices.GetRequiredService<ITenantDirectory>().OwnedAsync(kind, tenant, cancellation)
            : null;
    }

    /// <summary>Whether the request has a tenant that does not own <paramref name="id"/> (never for an unrestricted request).</summary>
    public static async Task<bool> IsForeignAsync(HttpContext http, TenantResource kind, string id, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(http);
        return TenantOf(http) is { } tenant
            && await http.RequestServices.GetRequiredService<ITenantDirectory>().OwnerAsync(kind, id, cancellation) != tenant;
    }

    /// <summary>
    /// Records the request's tenant as the owner of a new id before it is created; null when the request may go on to
    /// create it (unrestricted, or the id is its tenant's), else the tenant's answer: a 409 that says nothing of the
    /// other owner's submission.
    /// </summary>
    /// <param name="http">The request.</param>
    /// <param name="kind">What the id names.</param>
    /// <param name="id">The id.</param>
    /// <param name="cancellation">Cancels the call.</param>
    public static async Task<TenantClaim?> ClaimAsync(HttpContext http, TenantResource kind, string id, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(http);
        return TenantOf(http) is { } tenant
            ? await http.RequestServices.GetRequiredService<ITenantDirectory>().ClaimAsync(kind, id, tenant, cancellation)
            : null;
    }

    /// <summary>
    /// Takes back a claim this request just created (<see cref="TenantClaim.Created"/>) for an id that turned out to
    /// exist already, created by a key without a tenant: the tenant must not become the owner of what it could not create.
    /// </summary>
    /// <param name="http">The request.</param>
    /// <param name="kind">What the id names.</param>
    /// <param name="id">The id.</param>
    /// <param name="cancellation">Cancels the call.</param>
    public static async Task ReleaseAsync(HttpContext http, TenantResource kind, string id, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (TenantOf(http) is { } tenant)
        {
            await http.RequestServices.GetRequiredService<ITenantDirectory>().ReleaseAsync(kind, id, tenant, cancellation);
        }
    }
}
