using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace ServerlessTasks.Functions.Security;

/// <summary>Registers API keys and rate limits (options validated at start) and their worker middleware.</summary>
public static class SecurityServices
{
    /// <summary>Minimum key length: a shorter key is a configuration mistake, refused at start.</summary>
    public const int MinimumKeyLength = 16;

    /// <summary>The options, the authenticator and the limiter.</summary>
    public static IServiceCollection AddApiSecurity(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<ApiKeyOptions>()
            .Bind(configuration.GetSection(ApiKeyOptions.Section))
            .Validate(o => o.ApiKeys.Values.All(k => k.Key.Length is 0 or >= MinimumKeyLength),
                $"Every Auth:ApiKeys:<client>:Key must be at least {MinimumKeyLength} characters (or empty: unset).")
            .ValidateOnStart();
        services.AddOptions<RateLimitOptions>()
            .Bind(configuration.GetSection(RateLimitOptions.Section))
            .Validate(o => !o.Problems().Any(), "RateLimiting:RequestsPerSecond must be above 0 and RateLimiting:Burst at least 1.")
            .ValidateOnStart();
        services.TryAddSingleton<ApiKeyAuthenticator>();
        services.TryAddSingleton<ClientRateLimiter>();
        services.TryAddSingleton<TenantGuard>();
        return services;
    }

    /// <summary>Adds the middleware to the worker's pipeline (after Functions' HTTP proxying, which supplies the request).</summary>
    public static IFunctionsWorkerApplicationBuilder UseApiSecurity(this IFunctionsWorkerApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.UseMiddleware<ApiSecurityMiddleware>();
    }
}
