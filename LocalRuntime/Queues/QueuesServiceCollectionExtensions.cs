using LocalRuntime.Functions.Extensibility;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace LocalRuntime.Queues;

/// <summary>Registers the Storage queues extension with the local host.</summary>
public static class QueuesServiceCollectionExtensions
{
    /// <summary>
    /// Adds queue triggers and queue output bindings: <see cref="QueuesOptions"/> from host.json
    /// (<c>AzureFunctionsJobHost:extensions:queues</c>), the transport from <c>LocalRuntime:QueueStore</c> (else
    /// <c>LocalRuntime:DurableStore</c>, else SQLite), <see cref="IQueueStoreProvider"/> and the default
    /// <see cref="IQueueStore"/> (for enqueueing from outside the worker), and the <see cref="IHostExtension"/>.
    /// </summary>
    public static IServiceCollection AddQueueTriggers(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<QueuesOptions>()
            .Bind(configuration.GetSection(QueuesOptions.SectionName))
            .ValidateDataAnnotations()
            .Validate(o => o.MaxPollingInterval >= QueueListenerLimits.MinimumPollingInterval, "extensions.queues.maxPollingInterval must be at least 00:00:00.100.")
            .Validate(o => o.VisibilityTimeout >= TimeSpan.Zero, "extensions.queues.visibilityTimeout cannot be negative.")
            .ValidateOnStart();
        services.AddOptions<QueueStoreOptions>()
            .Configure(o =>
            {
                var kind = configuration["LocalRuntime:QueueStore"] ?? configuration["LocalRuntime:DurableStore"];
                if (!string.IsNullOrWhiteSpace(kind))
                {
                    o.Store = kind.Trim().ToUpperInvariant() switch
                    {
                        "SQLITE" => QueueStoreKind.Sqlite,
                        "AZURESTORAGE" => QueueStoreKind.AzureStorage,
                        _ => throw new InvalidOperationException($"LocalRuntime:QueueStore '{kind}' is not a queue store: use 'sqlite' or 'azurestorage'."),
                    };
                }

                o.DataPath = configuration["LocalRuntime:DataPath"] is { Length: > 0 } path ? path : o.DataPath;
            })
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IQueueStoreProvider, QueueStoreProvider>();
        services.TryAddSingleton(sp => sp.GetRequiredService<IQueueStoreProvider>().Default);
        services.TryAddSingleton<QueuesExtension>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostExtension, QueuesExtension>(sp => sp.GetRequiredService<QueuesExtension>()));
        return services;
    }
}
