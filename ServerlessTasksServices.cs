using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ServerlessTasks.Activities.Http;
using ServerlessTasks.TaskIndex;

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

    /// <summary>Registers the app's services.</summary>
    public static IServiceCollection AddServerlessTasks(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddSingleton(TimeProvider.System);
        var guard = OutboundAddressGuard.ForEnvironment(configuration["AZURE_FUNCTIONS_ENVIRONMENT"] ?? Environment.GetEnvironmentVariable("AZURE_FUNCTIONS_ENVIRONMENT"));
        services.AddSingleton(guard);
        services.AddHttpClient<HttpTaskClient>()
            .ConfigurePrimaryHttpMessageHandler(() => guard.CreateHandler())
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan); // per-task timeouts apply
        services.TryAddSingleton<ITaskIndex>(_ => CreateTaskIndex(configuration));
        return services;
    }
}
