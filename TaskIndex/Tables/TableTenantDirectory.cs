using Azure;
using Azure.Data.Tables;
using ServerlessTasks.TableStorage;

namespace ServerlessTasks.TaskIndex.Tables;

/// <summary>
/// The tenant directory on Azure Tables (<c>{prefix}Tenants</c>), shared by every instance: one partition per tenant
/// and kind (<c>{tenant}!{kind}</c>, so a tenant's ids list from one partition) plus one claim row per id in the partition
/// <c>!claim!{kind}</c>, whose insert decides a race between instances (Tables refuses a second insert with 409).
/// </summary>
public sealed class TableTenantDirectory : ITenantDirectory
{
    private const string ClaimPartition = "!claim!";
    private readonly TableClient _table;

    /// <summary>Creates the directory on <paramref name="service"/>, table <c>{prefix}Tenants</c>.</summary>
    public TableTenantDirectory(TableServiceClient service, string prefix = "st")
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        _table = service.GetTableClient(prefix + "Tenants");
    }

    /// <inheritdoc />
    public async Task InitializeAsync(CancellationToken cancellation = default) => await _table.CreateIfNotExistsAsync(cancellation);

    /// <inheritdoc />
    public async Task<TenantClaim> ClaimAsync(TenantResource kind, string id, string tenant, CancellationToken cancellation = default)
    {
        var row = TableKeys.Escape(id);
        try
        {
            await _table.AddEntityAsync(new TableEntity(ClaimPartition + (int)kind, row) { ["Tenant"] = tenant }, cancellation);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            var owner = await OwnerAsync(kind, id, cancellation);
            if (owner != tenant)
            {
                return new TenantClaim(owner!, false);
            }

            // Ours already: a retry after the claim row committed; the listing row below is an idempotent upsert.
            await _table.UpsertEntityAsync(new TableEntity(ListPartition(tenant, kind), row), TableUpdateMode.Replace, cancellation);
            return new TenantClaim(tenant, false);
        }

        await _table.UpsertEntityAsync(new TableEntity(ListPartition(tenant, kind), row), TableUpdateMode.Replace, cancellation);
        return new TenantClaim(tenant, true);
    }

    /// <inheritdoc />
    /// <remarks>The claim row goes first (conditional on its ETag, so a row that changed hands is left alone), then the
    /// listing row: a crash between the two leaves a listing row without a claim, which no read by id honours.</remarks>
    public async Task<bool> ReleaseAsync(TenantResource kind, string id, string tenant, CancellationToken cancellation = default)
    {
        var row = TableKeys.Escape(id);
        var claim = await _table.GetEntityIfExistsAsync<TableEntity>(ClaimPartition + (int)kind, row, ["Tenant"], cancellation);
        if (!claim.HasValue || claim.Value!.GetString("Tenant") != tenant)
        {
            return false;
        }

        try
        {
            await _table.DeleteEntityAsync(ClaimPartition + (int)kind, row, claim.Value.ETag, cancellation);
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            return false;
        }

        try
        {
            await _table.DeleteEntityAsync(ListPartition(tenant, kind), row, ETag.All, cancellation);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // Never listed (the claim's second write had not happened).
        }

        return true;
    }

    /// <inheritdoc />
    public async Task<string?> OwnerAsync(TenantResource kind, string id, CancellationToken cancellation = default)
    {
        var found = await _table.GetEntityIfExistsAsync<TableEntity>(ClaimPartition + (int)kind, TableKeys.Escape(id), ["Tenant"], cancellation);
        return found.HasValue ? found.Value!.GetString("Tenant") : null;
    }

    /// <inheritdoc />
    public async Task<IReadOnlySet<string>> OwnedAsync(TenantResource kind, string tenant, CancellationToken cancellation = default)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var partition = ListPartition(tenant, kind);
        await foreach (var row in _table.QueryAsync<TableEntity>(e => e.PartitionKey == partition, select: ["RowKey"], cancellationToken: cancellation))
        {
            ids.Add(TableKeys.Unescape(row.RowKey));
        }

        return ids;
    }

    private static string ListPartition(string tenant, TenantResource kind) => $"{TableKeys.Escape(tenant)}{TableKeys.Separator}{(int)kind}";
}
