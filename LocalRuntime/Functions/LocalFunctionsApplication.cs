using System.Reflection;
using System.Text.Json;
using LocalRuntime.Durable.Engine;
using LocalRuntime.Durable.Stores;
using LocalRuntime.Functions.Host;
using LocalRuntime.Functions.Queues;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LocalRuntime.Functions;

/// <summary>
/// The entry point of the local Functions host: the local counterpart of <c>FunctionsApplication.CreateBuilder</c>.
/// </summary>
public static class LocalFunctionsApplication
{
    /// <summary>Creates a builder that reads host.json, local.settings.json, environment and command line.</summary>
    public static LocalFunctionsApplicationBuilder CreateBuilder(string[] args) => new(args);
}

/// <summary>Configures and builds the local Functions host.</summary>
public sealed class LocalFunctionsApplicationBuilder
{
    private readonly WebApplicationBuilder _web;

    internal LocalFunctionsApplicationBuilder(string[] args)
    {
        // As `func start` does, run in Development unless told otherwise.
        var environment = System.Environment.GetEnvironmentVariable("AZURE_FUNCTIONS_ENVIRONMENT");
        if (string.IsNullOrEmpty(environment))
        {
            environment = "Development";
            System.Environment.SetEnvironmentVariable("AZURE_FUNCTIONS_ENVIRONMENT", environment);
        }

        _web = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, EnvironmentName = environment });
        AddFunctionsConfiguration(_web.Configuration, _web.Environment.ContentRootPath);
    }

    /// <summary>The services.</summary>
    public IServiceCollection Services => _web.Services;

    /// <summary>The configuration (host.json under <c>AzureFunctionsJobHost</c>, local.settings.json <c>Values</c>, environment, command line).</summary>
    public ConfigurationManager Configuration => _web.Configuration;

    /// <summary>The logging builder.</summary>
    public ILoggingBuilder Logging => _web.Logging;

    /// <summary>The host environment.</summary>
    public IWebHostEnvironment Environment => _web.Environment;

    /// <summary>
    /// Builds the host with the functions of <paramref name="functionsAssembly"/> (the entry assembly when null):
    /// HTTP triggers on Kestrel, orchestrators and activities on the durable engine, the management API.
    /// </summary>
    public WebApplication Build(Assembly? functionsAssembly = null)
    {
        functionsAssembly ??= Assembly.GetEntryAssembly() ?? throw new InvalidOperationException("No entry assembly; pass the functions assembly.");
        var settings = HostSettings.From(Configuration);
        var functions = FunctionCatalog.Discover(functionsAssembly);
        ConfigureUrls();

        Services.AddMvcCore();
        Services.TryAddSingleton(TimeProvider.System);
        Services.AddSingleton(settings);
        Services.TryAddSingleton<IDurableStore>(sp => StoreFactory.Create(settings, Environment.ContentRootPath));
        Services.AddSingleton(sp => CreateEngine(sp, settings, functions));
        Services.AddSingleton(sp => sp.GetRequiredService<DurableEngine>().Client);
        Services.AddSingleton<FunctionKeyAuthorizer>();
        Services.TryAddSingleton<IQueueStore>(sp => StoreFactory.CreateQueues(settings, Environment.ContentRootPath, sp.GetRequiredService<TimeProvider>()));
        Services.AddSingleton(new AppSettingResolver(Configuration));
        Services.AddSingleton(sp => CreateTriggers(sp, settings, functions));

        // First in, last out: the engine is ready before the server accepts, and drains after it stopped accepting.
        Services.Insert(0, ServiceDescriptor.Singleton<IHostedService, FunctionsHostService>());

        Logging.AddFilter(RequestLog.HostingCategory, LogLevel.Warning);

        var app = _web.Build();
        RequestLog.Use(app);
        var engine = app.Services.GetRequiredService<DurableEngine>();
        var keys = app.Services.GetRequiredService<FunctionKeyAuthorizer>();
        _ = app.Services.GetRequiredService<FunctionTriggers>(); // bad queue names or schedules fail the build, not the first message
        HttpFunctionEndpoints.Map(app, settings, functions.Where(f => f.Kind == FunctionKind.Http), engine, keys);
        ManagementApi.Map(app, engine, keys);
        return app;
    }

    private static DurableEngine CreateEngine(IServiceProvider services, HostSettings settings, IReadOnlyList<FunctionDescriptor> functions)
    {
        var registry = new DurableFunctionRegistry();
        var engine = new DurableEngine(
            services.GetRequiredService<IDurableStore>(),
            registry,
            settings.Durable,
            services.GetRequiredService<TimeProvider>(),
            services.GetRequiredService<ILoggerFactory>());
        DurableFunctionBinder.Register(registry, functions, engine.Client, services);
        return engine;
    }

    private static FunctionTriggers CreateTriggers(IServiceProvider services, HostSettings settings, IReadOnlyList<FunctionDescriptor> functions)
    {
        var client = services.GetRequiredService<DurableEngine>().Client;
        var queues = services.GetRequiredService<IQueueStore>();
        var names = services.GetRequiredService<AppSettingResolver>();
        var time = services.GetRequiredService<TimeProvider>();
        var loggers = services.GetRequiredService<ILoggerFactory>();
        var queueListeners = new List<QueueListener>();
        var timerListeners = new List<TimerListener>();
        foreach (var function in functions)
        {
            var where = $"Function '{function.Name}'";
            switch (function.Trigger)
            {
                case Microsoft.Azure.Functions.Worker.QueueTriggerAttribute queue:
                    var queueName = QueueNames.Validate(names.Resolve(queue.QueueName, where), where);
                    queueListeners.Add(new QueueListener(function, queueName, new FunctionInvoker(function, client, OutputBinder.Create(function, queues, names)),
                        queues, settings, time, services, loggers.CreateLogger("LocalRuntime.Functions.Queues")));
                    break;
                case Microsoft.Azure.Functions.Worker.TimerTriggerAttribute timer:
                    timerListeners.Add(new TimerListener(function, names.Resolve(timer.Schedule, where), new FunctionInvoker(function, client, OutputBinder.Create(function, queues, names)),
                        time, services, loggers.CreateLogger("LocalRuntime.Functions.Timers")));
                    break;
                default:
                    break;
            }
        }

        return new FunctionTriggers(queueListeners, timerListeners);
    }

    private void ConfigureUrls()
    {
        if (!string.IsNullOrEmpty(Configuration["urls"]) || !string.IsNullOrEmpty(Configuration["ASPNETCORE_URLS"]))
        {
            return;
        }

        var port = Configuration["port"] ?? Configuration["Host:LocalHttpPort"] ?? "7071";
        _web.WebHost.UseUrls($"http://localhost:{port}");
    }

    /// <summary>Puts host.json (prefixed) and local.settings.json Values below the environment and command line.</summary>
    private static void AddFunctionsConfiguration(ConfigurationManager configuration, string contentRoot)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var hostJson = FindFile(contentRoot, "host.json");
        if (hostJson is not null)
        {
            var host = new ConfigurationBuilder().AddJsonFile(hostJson, optional: false).Build();
            foreach (var (key, value) in host.AsEnumerable())
            {
                values[$"{HostSettings.Section}:{key}"] = value;
            }

            // host.json's logging levels apply to the host's loggers, as in Functions.
            foreach (var level in host.GetSection("logging:logLevel").GetChildren())
            {
                var category = string.Equals(level.Key, "default", StringComparison.OrdinalIgnoreCase) ? "Default" : level.Key;
                values[$"Logging:LogLevel:{category}"] = level.Value;
            }
        }

        var localSettings = FindFile(contentRoot, "local.settings.json");
        if (localSettings is not null)
        {
            using var document = JsonDocument.Parse(File.ReadAllText(localSettings), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            if (document.RootElement.TryGetProperty("Values", out var settingValues))
            {
                foreach (var property in settingValues.EnumerateObject())
                {
                    values[property.Name.Replace("__", ":", StringComparison.Ordinal)] = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : property.Value.GetRawText();
                }
            }

            if (document.RootElement.TryGetProperty("Host", out var hostSection) && hostSection.TryGetProperty("LocalHttpPort", out var port))
            {
                values["Host:LocalHttpPort"] = port.GetRawText();
            }
        }

        ((IConfigurationBuilder)configuration).Sources.Insert(0, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource { InitialData = values });
    }

    private static string? FindFile(string contentRoot, string name)
    {
        foreach (var directory in new[] { contentRoot, AppContext.BaseDirectory })
        {
            var path = Path.Combine(directory, name);
            if (File.Exists(path))
            {
                return path;
            }
        }

        return null;
    }
}
