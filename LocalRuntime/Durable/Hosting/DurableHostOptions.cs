using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace LocalRuntime.Durable.Hosting;

/// <summary>
/// The Durable settings this host honours: host.json <c>extensions:durableTask</c> with Microsoft's names and defaults, plus
/// the few settings only our host reads (<c>LocalRuntime:*</c>, which Microsoft's host never sees).
/// </summary>
public sealed record DurableHostOptions
{
    /// <summary>host.json <c>hubName</c>; Durable's local default is <c>TestHubName</c>.</summary>
    public string HubName { get; init; } = "TestHubName";

    /// <summary>host.json <c>maxConcurrentActivityFunctions</c>; Durable's default is 10 per processor.</summary>
    public int MaxConcurrentActivityFunctions { get; init; } = 10 * Environment.ProcessorCount;

    /// <summary>host.json <c>maxConcurrentOrchestratorFunctions</c>; Durable's default is 10 per processor.</summary>
    public int MaxConcurrentOrchestratorFunctions { get; init; } = 10 * Environment.ProcessorCount;

    /// <summary>host.json <c>maxConcurrentEntityFunctions</c>; Durable's default is 10 per processor.</summary>
    public int MaxConcurrentEntityFunctions { get; init; } = 10 * Environment.ProcessorCount;

    /// <summary>host.json <c>extendedSessionsEnabled</c> (Durable's default: off).</summary>
    public bool ExtendedSessionsEnabled { get; init; }

    /// <summary>host.json <c>extendedSessionIdleTimeoutInSeconds</c> (Durable's default: 30).</summary>
    public TimeSpan ExtendedSessionIdleTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>host.json <c>storageProvider:connectionName</c> (or the older <c>connectionStringName</c>): the setting naming the storage account.</summary>
    public string ConnectionName { get; init; } = "AzureWebJobsStorage";

    /// <summary>host.json <c>storageProvider:partitionCount</c> (Azure Storage; default 4).</summary>
    public int PartitionCount { get; init; } = 4;

    /// <summary>host.json <c>storageProvider:controlQueueBatchSize</c> (Azure Storage; default 32).</summary>
    public int ControlQueueBatchSize { get; init; } = 32;

    /// <summary>host.json <c>storageProvider:maxQueuePollingInterval</c> (Azure Storage; Durable's default 30 s).</summary>
    public TimeSpan MaxQueuePollingInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>host.json <c>storageProvider:controlQueueVisibilityTimeout</c> (Azure Storage; default 5 min): how long a host that
    /// died holding orchestration messages keeps them hidden from the others.</summary>
    public TimeSpan ControlQueueVisibilityTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>host.json <c>storageProvider:workItemQueueVisibilityTimeout</c> (Azure Storage; default 5 min), the same for activities.</summary>
    public TimeSpan WorkItemQueueVisibilityTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>host.json <c>storageProvider:controlQueueBufferThreshold</c> (Azure Storage; Durable's default 256, DTFx's own 64): how many
    /// orchestration messages a host holds in memory before it stops fetching (the provider then re-checks once a second).</summary>
    public int ControlQueueBufferThreshold { get; init; } = 256;

    /// <summary>host.json <c>storageProvider:fetchLargeMessagesAutomatically</c> (Azure Storage; default true): messages over the queue
    /// limit are stored as blobs and fetched with the message.</summary>
    public bool FetchLargeMessagesAutomatically { get; init; } = true;

    /// <summary>host.json <c>storageProvider:useTablePartitionManagement</c> (Azure Storage; Durable 3.x's default true): partition
    /// ownership in a table instead of blob leases.</summary>
    public bool UseTablePartitionManagement { get; init; } = true;

    /// <summary>host.json <c>storageProvider:useLegacyPartitionManagement</c> (Azure Storage; default false).</summary>
    public bool UseLegacyPartitionManagement { get; init; }

    /// <summary>host.json <c>storageProvider:trackingStoreConnectionName</c> (or <c>trackingStoreConnectionStringName</c>): a separate
    /// account for the history and instance tables; null = the hub's account.</summary>
    public string? TrackingStoreConnectionName { get; init; }

    /// <summary>host.json <c>storageProvider:trackingStoreNamePrefix</c>: the tables' name prefix; null = the hub name.</summary>
    public string? TrackingStoreNamePrefix { get; init; }

    /// <summary>host.json <c>storageProvider:allowReplayingTerminalInstances</c> (Azure Storage; default false).</summary>
    public bool AllowReplayingTerminalInstances { get; init; }

    /// <summary>host.json <c>useAppLease</c> (default true): one app version at a time owns the hub's partitions.</summary>
    public bool UseAppLease { get; init; } = true;

    /// <summary>host.json <c>maxEntityOperationBatchSize</c> (Durable's default 5,000 outside the Consumption plan).</summary>
    public int MaxEntityOperationBatchSize { get; init; } = 5_000;

    /// <summary>host.json <c>entityMessageReorderWindowInMinutes</c> (default 30).</summary>
    public int EntityMessageReorderWindowInMinutes { get; init; } = 30;

    /// <summary>host.json <c>defaultVersion</c>: the version of orchestrations started without one.</summary>
    public string? DefaultVersion { get; init; }

    /// <summary>host.json <c>overridableExistingInstanceStates</c> = <c>NonRunningStates</c>: a start onto a running id fails instead of replacing it.</summary>
    public bool OverrideOnlyNonRunningInstances { get; init; }

    /// <summary>
    /// <c>LocalRuntime:PriorityAgingSeconds</c> (SQLite store only; default 10, 0 = first in, first out): ready work is handed
    /// out by its <c>priority</c> tag, each level worth this much queue time (see SqliteOrchestrationServiceOptions.PriorityAgingStep).
    /// </summary>
    public TimeSpan PriorityAgingStep { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary><c>LocalRuntime:DurableStore</c>: <c>sqlite</c> (default) or <c>azurestorage</c>.</summary>
    public DurableStoreKind Store { get; init; } = DurableStoreKind.Sqlite;

    /// <summary><c>LocalRuntime:DataPath</c>: the folder of the host's own files (default <c>.data</c>); the SQLite hub is <c>durable.db</c> in it.</summary>
    public string DataPath { get; init; } = ".data";

    /// <summary>The SQLite task hub file.</summary>
    public string SqlitePath => Path.Combine(DataPath, "durable.db");

    /// <summary>
    /// Reads the options: <paramref name="durableTask"/> is host.json's <c>extensions:durableTask</c> section, <paramref name="settings"/>
    /// the app settings (local.settings.json Values, environment).
    /// </summary>
    public static DurableHostOptions FromConfiguration(IConfiguration durableTask, IConfiguration settings)
    {
        ArgumentNullException.ThrowIfNull(durableTask);
        ArgumentNullException.ThrowIfNull(settings);
        var defaults = new DurableHostOptions();
        var provider = durableTask.GetSection("storageProvider");
        var options = new DurableHostOptions
        {
            HubName = durableTask["hubName"] is { Length: > 0 } hub ? hub : defaults.HubName,
            MaxConcurrentActivityFunctions = Int(durableTask, "maxConcurrentActivityFunctions", defaults.MaxConcurrentActivityFunctions),
            MaxConcurrentOrchestratorFunctions = Int(durableTask, "maxConcurrentOrchestratorFunctions", defaults.MaxConcurrentOrchestratorFunctions),
            MaxConcurrentEntityFunctions = Int(durableTask, "maxConcurrentEntityFunctions", defaults.MaxConcurrentEntityFunctions),
            ExtendedSessionsEnabled = Bool(durableTask, "extendedSessionsEnabled", defaults.ExtendedSessionsEnabled),
            ExtendedSessionIdleTimeout = TimeSpan.FromSeconds(Int(durableTask, "extendedSessionIdleTimeoutInSeconds", (int)defaults.ExtendedSessionIdleTimeout.TotalSeconds)),
            ConnectionName = provider["connectionName"] ?? provider["connectionStringName"] ?? defaults.ConnectionName,
            PartitionCount = Int(provider, "partitionCount", defaults.PartitionCount),
            ControlQueueBatchSize = Int(provider, "controlQueueBatchSize", defaults.ControlQueueBatchSize),
            MaxQueuePollingInterval = Time(provider, "maxQueuePollingInterval", defaults.MaxQueuePollingInterval),
            ControlQueueVisibilityTimeout = Time(provider, "controlQueueVisibilityTimeout", defaults.ControlQueueVisibilityTimeout),
            WorkItemQueueVisibilityTimeout = Time(provider, "workItemQueueVisibilityTimeout", defaults.WorkItemQueueVisibilityTimeout),
            ControlQueueBufferThreshold = Int(provider, "controlQueueBufferThreshold", defaults.ControlQueueBufferThreshold),
            FetchLargeMessagesAutomatically = Bool(provider, "fetchLargeMessagesAutomatically", defaults.FetchLargeMessagesAutomatically),
            UseTablePartitionManagement = Bool(provider, "useTablePartitionManagement", defaults.UseTablePartitionManagement),
            UseLegacyPartitionManagement = Bool(provider, "useLegacyPartitionManagement", defaults.UseLegacyPartitionManagement),
            TrackingStoreConnectionName = provider["trackingStoreConnectionName"] ?? provider["trackingStoreConnectionStringName"],
            TrackingStoreNamePrefix = provider["trackingStoreNamePrefix"] is { Length: > 0 } prefix ? prefix : null,
            AllowReplayingTerminalInstances = Bool(provider, "allowReplayingTerminalInstances", defaults.AllowReplayingTerminalInstances),
            UseAppLease = Bool(durableTask, "useAppLease", defaults.UseAppLease),
            MaxEntityOperationBatchSize = Int(durableTask, "maxEntityOperationBatchSize", defaults.MaxEntityOperationBatchSize),
            EntityMessageReorderWindowInMinutes = Int(durableTask, "entityMessageReorderWindowInMinutes", defaults.EntityMessageReorderWindowInMinutes),
            DefaultVersion = durableTask["defaultVersion"] is { Length: > 0 } version ? version : null,
            OverrideOnlyNonRunningInstances = durableTask["overridableExistingInstanceStates"] is { } states
                && (states.Equals("NonRunningStates", StringComparison.OrdinalIgnoreCase) || states == "1"),
            Store = (settings["LocalRuntime:DurableStore"] ?? "sqlite").ToLowerInvariant() switch
            {
                "sqlite" => DurableStoreKind.Sqlite,
                "azurestorage" => DurableStoreKind.AzureStorage,
                var other => throw new InvalidOperationException($"LocalRuntime:DurableStore is '{other}'; allowed values: sqlite, azurestorage."),
            },
            DataPath = settings["LocalRuntime:DataPath"] is { Length: > 0 } data ? data : defaults.DataPath,
            PriorityAgingStep = settings["LocalRuntime:PriorityAgingSeconds"] is { Length: > 0 } aging
                ? double.TryParse(aging, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds is >= 0 and <= 86_400
                    ? TimeSpan.FromSeconds(seconds)
                    : throw new InvalidOperationException($"LocalRuntime:PriorityAgingSeconds is '{aging}'; allowed values: a number of seconds from 0 to 86400.")
                : defaults.PriorityAgingStep,
        };
        options.Validate();
        return options;
    }

    /// <summary>Throws with the setting's name when a value is out of range.</summary>
    public void Validate()
    {
        Require(MaxConcurrentActivityFunctions > 0, "maxConcurrentActivityFunctions must be at least 1.");
        Require(MaxConcurrentOrchestratorFunctions > 0, "maxConcurrentOrchestratorFunctions must be at least 1.");
        Require(MaxConcurrentEntityFunctions > 0, "maxConcurrentEntityFunctions must be at least 1.");
        Require(ExtendedSessionIdleTimeout > TimeSpan.Zero, "extendedSessionIdleTimeoutInSeconds must be at least 1.");
        Require(PartitionCount is >= 1 and <= 16, "storageProvider:partitionCount must be between 1 and 16.");
        Require(ControlQueueBatchSize > 0, "storageProvider:controlQueueBatchSize must be at least 1.");
        Require(ControlQueueBufferThreshold is >= 1 and <= 1000, "storageProvider:controlQueueBufferThreshold must be between 1 and 1000.");
        Require(MaxEntityOperationBatchSize > 0, "maxEntityOperationBatchSize must be at least 1.");
        Require(MaxQueuePollingInterval > TimeSpan.Zero, "storageProvider:maxQueuePollingInterval must be positive.");
        Require(ControlQueueVisibilityTimeout > TimeSpan.Zero, "storageProvider:controlQueueVisibilityTimeout must be positive.");
        Require(WorkItemQueueVisibilityTimeout > TimeSpan.Zero, "storageProvider:workItemQueueVisibilityTimeout must be positive.");
        Require(!string.IsNullOrWhiteSpace(HubName), "hubName must not be empty.");
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException($"extensions:durableTask: {message}");
        }
    }

    private static int Int(IConfiguration section, string key, int fallback) =>
        section[key] is { Length: > 0 } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

    private static TimeSpan Time(IConfiguration section, string key, TimeSpan fallback) =>
        section[key] is { Length: > 0 } text ? TimeSpan.Parse(text, CultureInfo.InvariantCulture) : fallback;

    private static bool Bool(IConfiguration section, string key, bool fallback) =>
        section[key] is { Length: > 0 } text ? bool.Parse(text) : fallback;
}
