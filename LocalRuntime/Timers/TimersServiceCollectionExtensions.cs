using LocalRuntime.Functions.Extensibility;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace LocalRuntime.Timers;

/// <summary>Registers the timer extension with the local host.</summary>
public static class TimersServiceCollectionExtensions
{
    /// <summary>
    /// Adds timer triggers: <see cref="TimersOptions"/> (data folder from <c>LocalRuntime:DataPath</c>, zone from
    /// <c>WEBSITE_TIME_ZONE</c>), the <see cref="IScheduleMonitor"/> in that folder, and the <see cref="IHostExtension"/>.
    /// </summary>
    public static IServiceCollection AddTimerTriggers(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<TimersOptions>()
            .Configure(o =>
            {
                o.DataPath = configuration["LocalRuntime:DataPath"] is { Length: > 0 } path ? path : o.DataPath;
                o.TimeZone = configuration["WEBSITE_TIME_ZONE"] is { Length: > 0 } zone ? zone : o.TimeZone;
            })
            .Validate(o => o.TimeZone is null || TimeZoneInfo.TryFindSystemTimeZoneById(o.TimeZone, out _), "WEBSITE_TIME_ZONE names no time zone known here.")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IScheduleMonitor>(sp => new FileScheduleMonitor(sp.GetRequiredService<IOptions<TimersOptions>>().Value.StatusFolder));
        services.TryAddSingleton<TimersExtension>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostExtension, TimersExtension>(sp => sp.GetRequiredService<TimersExtension>()));
        return services;
    }
}
