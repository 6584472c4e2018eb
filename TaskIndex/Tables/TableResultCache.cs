using System.Text;
using Azure;
using Azure.Data.Tables;
using ServerlessTasks.TableStorage;

namespace ServerlessTasks.TaskIndex.Tables;

/// <summary>
/// The result cache on Azure Tables (<c>{prefix}Results</c>), shared by every instance: one row per key, partitioned by
/// the key's first two hex digits. Tables cannot count or order rows on the server, so the limits are enforced by a
/// sweep every <see cref="SweepEvery"/> stores of an instance (and on the first): it reads every row's size and use
/// times, drops expired rows, then the least recently used beyond the limits. Between sweeps the table may hold up to
/// <see cref="SweepEvery"/> entries per instance more than <see cref="ResultCacheLimits.MaxEntries"/>.
/// </summary>
public sealed class TableResultCache : IResultCache
{
    /// <summary>Stores between two sweeps of one instance.</summary>
    public const int SweepEvery = 64;

    private static readonly string[] SweepColumns = ["PartitionKey", "RowKey", "Bytes", "ExpiresAt", "LastUsed"];
    private readonly TableClient _table;
    private readonly ResultCacheLimits _limits;
    private int _stores = -1;

    /// <summary>Creates the cache on <paramref name="service"/>, table <c>{prefix}Results</c>.</summary>
    public TableResultCache(TableServiceClient service, string prefix = "st", ResultCacheLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        _table = service.GetTableClient(prefix + "Results");
        _limits = limits ?? ResultCacheLimits.Default;
    }

    /// <inheritdoc />
    public async Task InitializeAsync(CancellationToken cancellation = default) => await _table.CreateIfNotExistsAsync(cancellation);

    /// <inheritdoc />
    public async Task<CachedResult?> GetAsync(string key, DateTimeOffset storedSince, DateTimeOffset now, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        var found = await _table.GetEntityIfExistsAsync<TableEntity>(Partition(key), key, cancellationToken: cancellation);
        if (!found.HasValue || found.Value is not { } row)
        {
            return null;
        }

        var stored = new DateTimeOffset(row.GetInt64("StoredAt") ?? 0, TimeSpan.Zero);
        var expires = new DateTimeOffset(row.GetInt64("ExpiresAt") ?? 0, TimeSpan.Zero);
        if (stored < storedSince || expires <= now || TableText.Get(row, "Result") is not { } result)
        {
            return null;
        }

        try
        {
            // The use time orders eviction; a lost race with another instance's touch or store changes nothing that matters.
            await _table.UpdateEntityAsync(new TableEntity(row.PartitionKey, row.RowKey) { ["LastUsed"] = now.UtcTicks }, row.ETag, TableUpdateMode.Merge, cancellation);
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
        }

        return new CachedResult(key, result, stored, expires);
    }

    /// <inheritdoc />
    public async Task<bool> PutAsync(CachedResult entry, DateTimeOffset now, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var bytes = Encoding.UTF8.GetByteCount(entry.Result);
        if (bytes > _limits.MaxBytes || _limits.MaxEntries < 1)
        {
            return false;
        }

        var row = new TableEntity(Partition(entry.Key), entry.Key)
        {
            ["Bytes"] = (long)bytes,
            ["StoredAt"] = entry.StoredAt.UtcTicks,
            ["ExpiresAt"] = entry.ExpiresAt.UtcTicks,
            ["LastUsed"] = now.UtcTicks,
        };
        TableText.Set(row, "Result", entry.Result);
        await _table.UpsertEntityAsync(row, TableUpdateMode.Replace, cancellation);
        if (Interlocked.Increment(ref _stores) % SweepEvery == 0)
        {
            await SweepAsync(now, cancellation);
        }

        return true;
    }

    /// <inheritdoc />
    public async Task<ResultCacheStats> StatsAsync(CancellationToken cancellation = default)
    {
        var (entries, bytes) = (0L, 0L);
        await foreach (var row in _table.QueryAsync<TableEntity>(select: ["Bytes"], cancellationToken: cancellation))
        {
            entries++;
            bytes += row.GetInt64("Bytes") ?? 0;
        }

        return new ResultCacheStats(entries, bytes);
    }

    /// <summary>Drops expired rows, then the least recently used beyond the limits.</summary>
    public async Task SweepAsync(DateTimeOffset now, CancellationToken cancellation = default)
    {
        var rows = new List<(string Partition, string Row, long Bytes, long Expires, long Used)>();
        await foreach (var row in _table.QueryAsync<TableEntity>(select: SweepColumns, cancellationToken: cancellation))
        {
            rows.Add((row.PartitionKey, row.RowKey, row.GetInt64("Bytes") ?? 0, row.GetInt64("ExpiresAt") ?? 0, row.GetInt64("LastUsed") ?? 0));
        }

        var drop = rows.Where(r => r.Expires <= now.UtcTicks).ToList();
        var (kept, keptBytes) = (0, 0L);
        foreach (var row in rows.Where(r => r.Expires > now.UtcTicks).OrderByDescending(r => r.Used).ThenByDescending(r => r.Row, StringComparer.Ordinal))
        {
            if (kept < _limits.MaxEntries && keptBytes + row.Bytes <= _limits.MaxBytes)
            {
                (kept, keptBytes) = (kept + 1, keptBytes + row.Bytes);
            }
            else
            {
                drop.Add(row);
            }
        }

        foreach (var row in drop)
        {
            try
            {
                await _table.DeleteEntityAsync(row.Partition, row.Row, ETag.All, cancellation);
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                // Another instance's sweep took it.
            }
        }
    }

    private static string Partition(string key) => key.Length >= 2 ? key[..2] : key;
}
