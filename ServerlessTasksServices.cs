using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ServerlessTasks.Activities.Http;

namespace ServerlessTasks;

/// <summary>The app's services, shared by both entry points.</summary>
public static class ServerlessTasksServices
{
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
        return services;
    }
}
