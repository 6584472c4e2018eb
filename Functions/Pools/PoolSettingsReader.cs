using Microsoft.Extensions.Configuration;
using ServerlessTasks.Domain.Pools;

namespace ServerlessTasks.Functions.Pools;

/// <summary>Reads the <c>Pools</c> settings section (<c>Pools:{name}:Capacity</c>, <c>Pools__{name}__Capacity</c> as app settings) into a <see cref="PoolCatalog"/>.</summary>
public static class PoolSettingsReader
{
    /// <summary>The catalog of <paramref name="configuration"/>'s <c>Pools</c> section; throws naming every bad setting.</summary>
    public static PoolCatalog Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var pools = new Dictionary<string, PoolSettings>(StringComparer.Ordinal);
        foreach (var section in configuration.GetSection("Pools").GetChildren())
        {
            pools[section.Key] = section.Get<PoolSettings>(o => o.ErrorOnUnknownConfiguration = true) ?? new PoolSettings();
        }

        return new PoolCatalog(pools);
    }

    /// <summary>
    /// The app's pools, from its settings (the worker's environment, where both hosts put app settings). Read once:
    /// orchestrations and the pool entity must agree, and orchestrations cannot take services.
    /// </summary>
    public static PoolCatalog FromEnvironment() => Lazy.Value;

    private static readonly Lazy<PoolCatalog> Lazy = new(() => Read(new ConfigurationBuilder().AddEnvironmentVariables().Build()));
}
