using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ServerlessTasks;

/// <summary>The app's services, shared by both entry points.</summary>
public static class ServerlessTasksServices
{
    /// <summary>Registers the app's services.</summary>
    public static IServiceCollection AddServerlessTasks(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddSingleton(TimeProvider.System);
        return services;
    }
}
