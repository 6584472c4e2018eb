using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace LocalRuntime.Functions.Hosting;

/// <summary>Reads host.json's settings (<c>functionTimeout</c>, <c>extensions.http.routePrefix</c>) into the options, and checks them.</summary>
internal sealed class LocalFunctionsHostOptionsSetup(IConfiguration configuration) : IConfigureOptions<LocalFunctionsHostOptions>, IValidateOptions<LocalFunctionsHostOptions>
{
    private static readonly TimeSpan MinFunctionTimeout = TimeSpan.FromSeconds(1);

    public void Configure(LocalFunctionsHostOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var host = configuration.GetSection(FunctionsConfiguration.HostJsonSection);
        if (host["extensions:http:routePrefix"] is { } prefix)
        {
            options.RoutePrefix = prefix.Trim('/');
        }

        // "-1" parses as minus one day: Functions' "no timeout".
        if (host["functionTimeout"] is { Length: > 0 } timeout)
        {
            options.FunctionTimeout = TimeSpan.TryParse(timeout, CultureInfo.InvariantCulture, out var value)
                ? (value == TimeSpan.FromDays(-1) ? null : value)
                : throw new OptionsValidationException(nameof(LocalFunctionsHostOptions), typeof(LocalFunctionsHostOptions), [$"host.json functionTimeout '{timeout}' is not a time span (hh:mm:ss, or -1 for none)."]);
        }

        foreach (var variable in configuration.GetSection(LocalFunctionsHostOptions.Section + ":WorkerEnvironment").GetChildren())
        {
            if (variable.Value is not null)
            {
                options.WorkerEnvironment[variable.Key] = variable.Value;
            }
        }
    }

    public ValidateOptionsResult Validate(string? name, LocalFunctionsHostOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.FunctionTimeout is { } timeout && timeout < MinFunctionTimeout)
        {
            failures.Add($"functionTimeout must be at least {MinFunctionTimeout} (or -1 for none); it is {timeout}.");
        }

        if (options.RoutePrefix.Contains('{', StringComparison.Ordinal))
        {
            failures.Add($"extensions.http.routePrefix '{options.RoutePrefix}' may not contain route parameters.");
        }

        Positive(options.WorkerStartupTimeout, nameof(options.WorkerStartupTimeout));
        Positive(options.WorkerTerminateGracePeriod, nameof(options.WorkerTerminateGracePeriod));
        Positive(options.MaxRestartDelay, nameof(options.MaxRestartDelay));
        Positive(options.WorkerProbeInterval, nameof(options.WorkerProbeInterval));
        Positive(options.WorkerProbeTimeout, nameof(options.WorkerProbeTimeout));
        Positive(options.DrainTimeout, nameof(options.DrainTimeout));
        if (options.InitialRestartDelay < TimeSpan.Zero || options.InitialRestartDelay > options.MaxRestartDelay)
        {
            failures.Add($"InitialRestartDelay must be between 0 and MaxRestartDelay ({options.MaxRestartDelay}).");
        }

        if (options.MaxConsecutiveRestarts < 0)
        {
            failures.Add("MaxConsecutiveRestarts may not be negative.");
        }

        if (options.MaxRequestBodySize <= 0)
        {
            failures.Add("MaxRequestBodySize must be positive.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);

        void Positive(TimeSpan value, string setting)
        {
            if (value <= TimeSpan.Zero)
            {
                failures.Add($"{setting} must be positive; it is {value}.");
            }
        }
    }
}
