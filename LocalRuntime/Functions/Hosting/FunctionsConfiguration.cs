using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;

namespace LocalRuntime.Functions.Hosting;

/// <summary>
/// Where the host's settings live in <see cref="IConfiguration"/>, as in the Functions host: host.json under
/// <c>AzureFunctionsJobHost</c> (so <c>AzureFunctionsJobHost__extensions__...</c> environment variables override it),
/// local.settings.json <c>Values</c> at the root. Extensions read their host.json section with <see cref="GetExtensionSection"/>.
/// </summary>
public static class FunctionsConfiguration
{
    /// <summary>The section host.json is loaded into.</summary>
    public const string HostJsonSection = "AzureFunctionsJobHost";

    /// <summary>host.json's <c>extensions.{name}</c> section (e.g. <c>durableTask</c>, <c>queues</c>), environment overrides applied.</summary>
    public static IConfigurationSection GetExtensionSection(this IConfiguration configuration, string name)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return configuration.GetSection($"{HostJsonSection}:extensions:{name}");
    }

    /// <summary>
    /// Puts host.json (under <see cref="HostJsonSection"/>, its <c>logging.logLevel</c> also as <c>Logging:LogLevel</c>) and
    /// local.settings.json <c>Values</c> (<c>__</c> as <c>:</c>) below every source already in <paramref name="configuration"/>
    /// (environment, command line), so those override them.
    /// </summary>
    /// <exception cref="InvalidOperationException">host.json is not valid JSON.</exception>
    public static void AddFunctionsApp(IConfigurationBuilder configuration, string appDirectory, LocalSettings localSettings)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(localSettings);
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var hostJson = Path.Combine(appDirectory, "host.json");
        if (File.Exists(hostJson))
        {
            IConfigurationRoot host;
            try
            {
                host = new ConfigurationBuilder().AddJsonFile(hostJson, optional: false, reloadOnChange: false).Build();
            }
            catch (Exception ex) when (ex is InvalidDataException or FormatException or JsonException)
            {
                throw new InvalidOperationException($"{hostJson} is not valid: {ex.Message}", ex);
            }

            foreach (var (key, value) in host.AsEnumerable())
            {
                values[$"{HostJsonSection}:{key}"] = value;
            }
        }

        foreach (var (name, value) in localSettings.Values)
        {
            values[name.Replace("__", ":", StringComparison.Ordinal)] = value;
        }

        if (localSettings.LocalHttpPort is { } port)
        {
            values["Host:LocalHttpPort"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = values });
    }
}
