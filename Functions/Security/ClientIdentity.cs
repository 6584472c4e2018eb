namespace ServerlessTasks.Functions.Security;

/// <summary>Who made a request: the client's configured name and tenant (never its key).</summary>
/// <param name="Client">The name the key is configured under.</param>
/// <param name="Tenant">The tenant the key belongs to, when tenants are used.</param>
public sealed record ClientIdentity(string Client, string? Tenant);
