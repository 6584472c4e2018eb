using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ServerlessTasks.Activities.Callbacks;
using ServerlessTasks.Activities.Http;
using ServerlessTasks.TaskIndex;
using ServerlessTasks.Webhooks;

namespace ServerlessTasks;

/// <summary>The app's services, shared by both entry points.</summary>
public static class ServerlessTasksServices
{
    /// <summary>
    /// The task index: <c>TaskIndex:Provider</c> = <c>sqlite</c> (default; file <c>TaskIndex:Path</c>, default
    /// <c>.data/tasks.db</c>) or <c>memory</c>.
    /// </summary>
    public static ITaskIndex CreateTaskIndex(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return (configuration["TaskIndex:Provider"] ?? "sqlite").ToLowerInvariant() switch
        {
            "memory" => new InMemoryTaskIndex(),
            "sqlite" => new SqliteTaskIndex(configuration["TaskIndex:Path"] ?? Path.Combine(".data", "tasks.db")),
            var other => throw new InvalidOperationException($"Unknown TaskIndex:Provider '{other}'; use 'sqlite' or 'memory'."),
        };
    }

    /// <summary>
    /// The callback store (deliveries, dead letters, disabled endpoints), on the same provider as the task index:
    /// <c>sqlite</c> (file <c>Webhooks:StorePath</c>, default <c>.data/callbacks.db</c>) or <c>memory</c>.
    /// </summary>
    public static ICallbackStore CreateCallbackStore(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return (configuration["TaskIndex:Provider"] ?? "sqlite").ToLowerInvariant() switch
        {
            "memory" => new InMemoryCallbackStore(),
            "sqlite" => new SqliteCallbackStore(configuration["Webhooks:StorePath"] ?? Path.Combine(".data", "callbacks.db")),
            var other => throw new InvalidOperationException($"Unknown TaskIndex:Provider '{other}'; use 'sqlite' or 'memory'."),
        };
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
        services.TryAddSingleton(_ => WebhookOptions.FromConfiguration(configuration, Development()));
        services.TryAddSingleton<ICallbackStore>(_ => CreateCallbackStore(configuration));
        services.AddHttpClient<WebhookClient>()
            .ConfigurePrimaryHttpMessageHandler(sp => sp.GetRequiredService<OutboundAddressGuard>().CreateHandler())
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan); // the per-attempt timeout runs on TimeProvider
        return services;
    }
}
