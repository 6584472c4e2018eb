using Azure.Data.Tables;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ServerlessTasks.Activities.Callbacks;
using ServerlessTasks.Activities.Events;
using ServerlessTasks.Activities.Http;
using ServerlessTasks.Activities.Orders;
using ServerlessTasks.Activities.Telemetry;
using ServerlessTasks.Domain.Clock;
using ServerlessTasks.Functions.Security;
using ServerlessTasks.TableStorage;
using ServerlessTasks.TaskIndex;
using ServerlessTasks.TaskIndex.Tables;
using ServerlessTasks.TaskIndex.Tenants;
using ServerlessTasks.TaskIndex.Caching;
using ServerlessTasks.Webhooks;
using ServerlessTasks.Webhooks.Tables;

namespace ServerlessTasks;

/// <summary>The app's services, shared by both entry points.</summary>
public static class ServerlessTasksServices
{
    /// <summary>
    /// The task index: <c>TaskIndex:Provider</c> = <c>sqlite</c> (default; file <c>TaskIndex:Path</c>, default
    /// <c>.data/tasks.db</c>), <c>tables</c> (Azure Tables, shared by every instance: connection <c>TaskIndex:Connection</c>,
    /// default <c>AzureWebJobsStorage</c>; tables <c>{TaskIndex:TablePrefix}Tasks</c>/<c>Events</c>, default prefix <c>st</c>)
    /// or <c>memory</c>.
    /// </summary>
    public static ITaskIndex CreateTaskIndex(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return StoreProvider(configuration) switch
        {
            "memory" => new InMemoryTaskIndex(),
            "sqlite" => new SqliteTaskIndex(configuration["TaskIndex:Path"] ?? Path.Combine(".data", "tasks.db")),
            _ => Initialized(new TableTaskIndex(TablesService(configuration), TablePrefix(configuration)), i => i.InitializeAsync()),
        };
    }

    /// <summary><c>TaskIndex:Provider</c>, the one store choice for the task index, journal and callback store.</summary>
    private static string StoreProvider(IConfiguration configuration) =>
        (configuration["TaskIndex:Provider"] ?? "sqlite").ToLowerInvariant() switch
        {
            var known and ("memory" or "sqlite" or "tables") => known,
            var other => throw new InvalidOperationException($"Unknown TaskIndex:Provider '{other}'; use 'sqlite', 'tables' or 'memory'."),
        };

    private static TableServiceClient TablesService(IConfiguration configuration) =>
        TablesConnection.Create(key => configuration[key], configuration["TaskIndex:Connection"] ?? TablesConnection.DefaultName);

    private static string TablePrefix(IConfiguration configuration) => configuration["TaskIndex:TablePrefix"] ?? "st";

    // The Tables stores need their tables before the first call; created once, when the singleton is first resolved.
    private static T Initialized<T>(T store, Func<T, Task> initialize)
    {
        initialize(store).GetAwaiter().GetResult();
        return store;
    }

    /// <summary>
    /// The tenant directory (who owns which instance, worker and schedule), on the same provider as the task index:
    /// <c>sqlite</c> (file <c>tenants.db</c> beside the task index), <c>tables</c> (table <c>{TaskIndex:TablePrefix}Tenants</c>)
    /// or <c>memory</c>.
    /// </summary>
    public static ITenantDirectory CreateTenantDirectory(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return StoreProvider(configuration) switch
        {
            "memory" => new InMemoryTenantDirectory(),
            "sqlite" => new SqliteTenantDirectory(BesideTaskIndex(configuration, "tenants.db")),
            _ => Initialized(new TableTenantDirectory(TablesService(configuration), TablePrefix(configuration)), d => d.InitializeAsync()),
        };
    }

    /// <summary>
    /// The result cache, on the same provider as the task index: <c>sqlite</c> (file <c>results.db</c> beside the task
    /// index), <c>tables</c> (table <c>{TaskIndex:TablePrefix}Results</c>) or <c>memory</c>; bounded by
    /// <c>ResultCache:MaxEntries</c> (default 10,000) and <c>ResultCache:MaxBytes</c> (default 67,108,864).
    /// </summary>
    public static IResultCache CreateResultCache(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var limits = new ResultCacheLimits
        {
            MaxEntries = PositiveSetting(configuration, "ResultCache:MaxEntries", ResultCacheLimits.Default.MaxEntries),
            MaxBytes = PositiveSetting(configuration, "ResultCache:MaxBytes", ResultCacheLimits.Default.MaxBytes),
        };
        return StoreProvider(configuration) switch
        {
            "memory" => SqliteResultCache.InMemory(limits),
            "sqlite" => new SqliteResultCache(BesideTaskIndex(configuration, "results.db"), limits),
            _ => Initialized(new TableResultCache(TablesService(configuration), TablePrefix(configuration), limits), c => c.InitializeAsync()),
        };
    }

    private static int PositiveSetting(IConfiguration configuration, string key, int fallback) => (int)PositiveSetting(configuration, key, fallback, int.MaxValue);

    private static long PositiveSetting(IConfiguration configuration, string key, long fallback, long max = long.MaxValue) =>
        configuration[key] is { Length: > 0 } text
            ? long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value) && value > 0 && value <= max
                ? value
                : throw new InvalidOperationException($"The setting {key} must be a whole number from 1 to {max}; it is '{text}'.")
            : fallback;

    /// <summary>A file in the task index's folder.</summary>
    private static string BesideTaskIndex(IConfiguration configuration, string file) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(configuration["TaskIndex:Path"] ?? Path.Combine(".data", "tasks.db")))!, file);

    /// <summary>
    /// The callback store (deliveries, dead letters, disabled endpoints), on the same provider as the task index:
    /// <c>sqlite</c> (file <c>Webhooks:StorePath</c>, default <c>.data/callbacks.db</c>), <c>tables</c> (table
    /// <c>{TaskIndex:TablePrefix}Callbacks</c> on the task index's connection) or <c>memory</c>.
    /// </summary>
    public static ICallbackStore CreateCallbackStore(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return StoreProvider(configuration) switch
        {
            "memory" => new InMemoryCallbackStore(),
            "sqlite" => new SqliteCallbackStore(configuration["Webhooks:StorePath"] ?? Path.Combine(".data", "callbacks.db")),
            _ => Initialized(new TableCallbackStore(TablesService(configuration), TablePrefix(configuration)), s => s.InitializeAsync()),
        };
    }

    /// <summary>
    /// The event journal (the task index's store), the host's hybrid logical clock (node id <c>Hlc:NodeId</c>,
    /// default the machine name; <c>Hlc:MaxOffset</c>, default one minute) and the task event handlers.
    /// </summary>
    private static void AddTaskEvents(IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(sp => sp.GetRequiredService<ITaskIndex>() as ITaskEventJournal
            ?? throw new InvalidOperationException("The task index store does not keep the event journal."));
        var maxOffset = configuration["Hlc:MaxOffset"] is { Length: > 0 } offset
            ? TimeSpan.Parse(offset, System.Globalization.CultureInfo.InvariantCulture)
            : HybridLogicalClock.DefaultMaxOffset;
        services.TryAddSingleton(sp => new HybridLogicalClock(HostNodeId(configuration), sp.GetRequiredService<TimeProvider>(), maxOffset));
        services.TryAddSingleton<HostClock>();
        services.TryAddSingleton<TaskEventSink>();
        services.AddMetrics();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITaskEventHandler, TaskEventMetrics>());
        services.TryAddSingleton<TaskTelemetry>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITaskEventHandler, TaskTelemetry>(sp => sp.GetRequiredService<TaskTelemetry>()));
    }

    /// <summary>This host's HLC node id: <c>Hlc:NodeId</c>, else the machine name (made a safe key).</summary>
    public static string HostNodeId(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (configuration["Hlc:NodeId"] is { Length: > 0 } configured)
        {
            return configured;
        }

        var name = new string([.. Environment.MachineName.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-')]);
        return name.Length is > 0 and <= 128 ? name : "host";
    }

    /// <summary>Registers the app's services.</summary>
    public static IServiceCollection AddServerlessTasks(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddSingleton(TimeProvider.System);
        // Read when first resolved (not now), so configuration added after this call (hosts, tests) decides the mode.
        bool Development() => OutboundAddressGuard.IsDevelopment(configuration["AZURE_FUNCTIONS_ENVIRONMENT"] ?? Environment.GetEnvironmentVariable("AZURE_FUNCTIONS_ENVIRONMENT"));
        services.TryAddSingleton<IHostAddressResolver, DnsHostAddressResolver>();
        services.TryAddSingleton(sp => new OutboundAddressGuard(Development(), sp.GetRequiredService<IHostAddressResolver>()));
        services.AddHttpClient<HttpTaskClient>()
            .ConfigurePrimaryHttpMessageHandler(sp => sp.GetRequiredService<OutboundAddressGuard>().CreateHandler())
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan); // per-task timeouts apply
        services.TryAddSingleton<ITaskIndex>(_ => CreateTaskIndex(configuration));
        services.TryAddSingleton<ITenantDirectory>(_ => CreateTenantDirectory(configuration));
        services.TryAddSingleton<IResultCache>(_ => CreateResultCache(configuration));
        services.TryAddSingleton<ResultCacheMetrics>();
        services.AddApiSecurity(configuration);
        AddTaskEvents(services, configuration);
        ServerlessTasks.Functions.Workers.WorkerServices.AddExternalWorkers(services, configuration); // external workers, proctor, health
        services.TryAddSingleton(_ => WebhookOptions.FromConfiguration(configuration, Development()));
        services.TryAddSingleton<ICallbackStore>(_ => CreateCallbackStore(configuration));
        services.TryAddSingleton<CallbackDeliveries>();
        services.TryAddTransient<WebhookTelemetryHandler>();
        services.AddHttpClient<WebhookClient>()
            .ConfigurePrimaryHttpMessageHandler(sp => sp.GetRequiredService<OutboundAddressGuard>().CreateHandler())
            .AddHttpMessageHandler<WebhookTelemetryHandler>() // webhook attempts by outcome, and their span
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan); // the per-attempt timeout runs on TimeProvider
        services.AddOrderProviders(configuration);
        return services;
    }
}
