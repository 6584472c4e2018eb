using LocalRuntime.Durable.Engine;
using Microsoft.Extensions.Configuration;

namespace LocalRuntime.Functions.Host;

/// <summary>
/// host.json, as the Functions host reads it: the file is loaded into configuration under
/// <c>AzureFunctionsJobHost</c>, so <c>AzureFunctionsJobHost__extensions__...</c> environment variables override it.
/// </summary>
public sealed record HostSettings
{
    /// <summary>The configuration section host.json lands in.</summary>
    public const string Section = "AzureFunctionsJobHost";

    /// <summary>The route prefix of HTTP functions (<c>extensions.http.routePrefix</c>).</summary>
    public string RoutePrefix { get; init; } = "api";

    /// <summary>The engine's options (<c>extensions.durableTask</c>).</summary>
    public DurableEngineOptions Durable { get; init; } = new();

    /// <summary>The store type (<c>extensions.durableTask.storageProvider.type</c>): sqlite, memory.</summary>
    public string StorageType { get; init; } = "sqlite";

    /// <summary>The SQLite file (<c>extensions.durableTask.storageProvider.path</c>).</summary>
    public string SqlitePath { get; init; } = Path.Combine(".data", "durable.db");

    /// <summary><c>extensions.queues.maxDequeueCount</c>.</summary>
    public int QueueMaxDequeueCount { get; init; } = 5;

    /// <summary><c>extensions.queues.visibilityTimeout</c>: delay before a failed message is visible again.</summary>
    public TimeSpan QueueVisibilityTimeout { get; init; } = TimeSpan.Zero;

    /// <summary><c>extensions.queues.batchSize</c>.</summary>
    public int QueueBatchSize { get; init; } = 16;

    /// <summary>Reads the settings from configuration.</summary>
    public static HostSettings From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var host = configuration.GetSection(Section);
        var extensions = host.GetSection("extensions");
        var durable = extensions.GetSection("durableTask");
        var defaults = new DurableEngineOptions();
        var storage = durable.GetSection("storageProvider");
        var queues = extensions.GetSection("queues");
        return new HostSettings
        {
            RoutePrefix = (extensions["http:routePrefix"] ?? "api").Trim('/'),
            Durable = defaults with
            {
                HubName = durable["hubName"] ?? defaults.HubName,
                MaxConcurrentActivityFunctions = durable.GetValue("maxConcurrentActivityFunctions", defaults.MaxConcurrentActivityFunctions),
                MaxConcurrentOrchestratorFunctions = durable.GetValue("maxConcurrentOrchestratorFunctions", defaults.MaxConcurrentOrchestratorFunctions),
                MinActivityWorkers = durable.GetValue("minActivityWorkers", defaults.MinActivityWorkers),
                MaxCachedOrchestrations = durable.GetValue("maxCachedOrchestrations", defaults.MaxCachedOrchestrations),
            },
            StorageType = (storage["type"] ?? "sqlite").ToLowerInvariant(),
            SqlitePath = storage["path"] ?? Path.Combine(".data", "durable.db"),
            QueueMaxDequeueCount = queues.GetValue("maxDequeueCount", 5),
            QueueVisibilityTimeout = queues.GetValue("visibilityTimeout", TimeSpan.Zero),
            QueueBatchSize = queues.GetValue("batchSize", 16),
        };
    }
}
