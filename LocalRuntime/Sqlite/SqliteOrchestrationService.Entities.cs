using DurableTask.Core.Entities;

namespace LocalRuntime.Sqlite;

/// <content>Entities: backend properties for DTFx's entity dispatcher and the entity queries of Durable clients.</content>
public sealed partial class SqliteOrchestrationService
{
    /// <summary>What DTFx's entity support needs to know (as Microsoft's AzureStorage provider reports it, without its queue limits).</summary>
    public EntityBackendProperties EntityBackendProperties => new()
    {
        EntityMessageReorderWindow = TimeSpan.FromMinutes(30),
        MaxEntityOperationBatchSize = _options.MaxEntityOperationBatchSize,
        MaxConcurrentTaskEntityWorkItems = _options.MaxConcurrentEntityWorkItems,
        SupportsImplicitEntityDeletion = false,
        // No queue message lifetime to respect here; a century keeps DateTime arithmetic in range.
        MaximumSignalDelayTime = TimeSpan.FromDays(36500),
        UseSeparateQueueForEntityWorkItems = _options.UseSeparateQueueForEntityWorkItems,
    };

    /// <summary>Entity reads for Durable clients (state, listing, storage clean-up).</summary>
    public EntityBackendQueries EntityBackendQueries => new SqliteEntityQueries(this);
}
