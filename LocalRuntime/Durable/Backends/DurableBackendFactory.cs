using DurableTask.AzureStorage;
using DurableTask.Core;
using LocalRuntime.Durable.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace LocalRuntime.Durable.Backends;

/// <summary>Creates the task hub's DTFx backend from the host's settings.</summary>
public static class DurableBackendFactory
{
    /// <summary>
    /// The configured backend: our SQLite provider (file under <c>LocalRuntime:DataPath</c>) or Microsoft's Azure Storage provider on
    /// the storage account named by <c>storageProvider:connectionName</c> (default <c>AzureWebJobsStorage</c>).
    /// </summary>
    public static IOrchestrationService Create(DurableHostOptions options, IConfiguration settings, TimeProvider time, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(settings);
        return options.Store switch
        {
            DurableStoreKind.AzureStorage => CreateAzureStorage(options, settings, loggerFactory),
            DurableStoreKind.Sqlite => SqliteBackend.Create(options, time, loggerFactory),
            _ => throw new InvalidOperationException($"Unknown durable store {options.Store}."),
        };
    }

    private static AzureStorageOrchestrationService CreateAzureStorage(DurableHostOptions options, IConfiguration settings, ILoggerFactory loggerFactory) =>
        new(AzureStorageSettings(options, settings, loggerFactory));

    /// <summary>
    /// Microsoft's provider settings from host.json as Durable Functions maps them (AzureStorageDurabilityProviderFactory): the same
    /// names, the same defaults. Public so the benchmark's in-process DTFx baseline runs with exactly the settings this host uses.
    /// </summary>
    public static AzureStorageOrchestrationServiceSettings AzureStorageSettings(DurableHostOptions options, IConfiguration settings, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(settings);
        var connection = Connection(settings, options.ConnectionName, "LocalRuntime:DurableStore is azurestorage but");
        var result = new AzureStorageOrchestrationServiceSettings
        {
            TaskHubName = options.HubName,
            // Partition leases are owned by worker id (Durable's default: the machine name). Several hosts on one machine
            // sharing a hub must not look like one owner, so each host process gets its own id.
            WorkerId = $"{Environment.MachineName}-{Environment.ProcessId}",
            StorageAccountClientProvider = new StorageAccountClientProvider(connection),
            PartitionCount = options.PartitionCount,
            ControlQueueBatchSize = options.ControlQueueBatchSize,
            ControlQueueBufferThreshold = options.ControlQueueBufferThreshold,
            MaxQueuePollingInterval = options.MaxQueuePollingInterval,
            ControlQueueVisibilityTimeout = options.ControlQueueVisibilityTimeout,
            WorkItemQueueVisibilityTimeout = options.WorkItemQueueVisibilityTimeout,
            MaxConcurrentTaskActivityWorkItems = options.MaxConcurrentActivityFunctions,
            MaxConcurrentTaskOrchestrationWorkItems = options.MaxConcurrentOrchestratorFunctions,
            MaxConcurrentTaskEntityWorkItems = options.MaxConcurrentEntityFunctions,
            ExtendedSessionsEnabled = options.ExtendedSessionsEnabled,
            ExtendedSessionIdleTimeout = options.ExtendedSessionIdleTimeout,
            FetchLargeMessageDataEnabled = options.FetchLargeMessagesAutomatically,
            UseTablePartitionManagement = options.UseTablePartitionManagement,
            UseLegacyPartitionManagement = options.UseLegacyPartitionManagement,
            AllowReplayingTerminalInstances = options.AllowReplayingTerminalInstances,
            UseAppLease = options.UseAppLease,
            MaxEntityOperationBatchSize = options.MaxEntityOperationBatchSize,
            EntityMessageReorderWindowInMinutes = options.EntityMessageReorderWindowInMinutes,
            // Entities get work items of their own, dispatched to the worker's entity triggers (as Durable does for isolated apps).
            UseSeparateQueueForEntityWorkItems = true,
            // Starting an id that exists in a deduped status throws OrchestrationAlreadyExistsException (the client maps it to AlreadyExists).
            ThrowExceptionOnInvalidDedupeStatus = true,
            LoggerFactory = loggerFactory,
        };
        if (options.TrackingStoreConnectionName is { Length: > 0 } tracking)
        {
            result.TrackingServiceClientProvider = new TrackingServiceClientProvider(
                Connection(settings, tracking, "storageProvider:trackingStoreConnectionName names a setting but"));
        }

        if (options.TrackingStoreNamePrefix is { } prefix)
        {
            result.TrackingStoreNamePrefix = prefix;
        }

        return result;
    }

    private static string Connection(IConfiguration settings, string name, string context)
    {
        var connection = settings[name] ?? settings[$"ConnectionStrings:{name}"];
        return string.IsNullOrWhiteSpace(connection)
            ? throw new InvalidOperationException(
                $"{context} the setting '{name}' is empty; set it to a storage connection string (UseDevelopmentStorage=true for Azurite).")
            : connection;
    }
}
