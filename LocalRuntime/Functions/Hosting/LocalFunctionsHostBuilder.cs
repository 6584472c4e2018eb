using LocalRuntime.Functions.Extensibility;
using LocalRuntime.Functions.Grpc;
using LocalRuntime.Functions.Http;
using LocalRuntime.Functions.Telemetry;
using LocalRuntime.Functions.Worker;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LocalRuntime.Functions.Hosting;

/// <summary>
/// Configures a <see cref="LocalFunctionsHost"/>: settings from host.json, local.settings.json, environment and command
/// line; services (add extensions as <see cref="IHostExtension"/> singletons; replace <see cref="TimeProvider"/> in tests).
/// </summary>
public sealed class LocalFunctionsHostBuilder
{
    private readonly WebApplicationBuilder _web;

    internal LocalFunctionsHostBuilder(string appDirectory, string[] args)
    {
        App = FunctionAppFolder.Open(appDirectory);
        LocalSettings = LocalSettings.Read(App.Path);

        // As func start: Development unless the environment says otherwise.
        var environment = System.Environment.GetEnvironmentVariable("AZURE_FUNCTIONS_ENVIRONMENT") is { Length: > 0 } named ? named : Environments.Development;
        _web = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            EnvironmentName = environment,
            ContentRootPath = App.Path,
        });
        FunctionsConfiguration.AddFunctionsApp(_web.Configuration, App.Path, LocalSettings);

        // host.json's logging.logLevel filters the host's loggers (the worker's logs included), as in Functions.
        _web.Logging.AddConfiguration(_web.Configuration.GetSection($"{FunctionsConfiguration.HostJsonSection}:logging"));
        AddServices(_web.Services, _web.Configuration, App, LocalSettings);
    }

    /// <summary>The app folder the host runs.</summary>
    public FunctionAppFolder App { get; }

    /// <summary>The app's local.settings.json.</summary>
    public LocalSettings LocalSettings { get; }

    /// <summary>The services; register <see cref="IHostExtension"/> implementations here.</summary>
    public IServiceCollection Services => _web.Services;

    /// <summary>The configuration: host.json under <c>AzureFunctionsJobHost</c>, local.settings.json Values, environment, command line.</summary>
    public ConfigurationManager Configuration => _web.Configuration;

    /// <summary>The logging builder.</summary>
    public ILoggingBuilder Logging => _web.Logging;

    /// <summary>The host environment (<c>AZURE_FUNCTIONS_ENVIRONMENT</c>, Development by default).</summary>
    public IWebHostEnvironment Environment => _web.Environment;

    /// <summary>Adjusts the host's options in code (applied after configuration).</summary>
    public LocalFunctionsHostBuilder ConfigureOptions(Action<LocalFunctionsHostOptions> configure)
    {
        Services.PostConfigure(configure);
        return this;
    }

    /// <summary>Builds the host: the public listener's address and pipeline, the worker supervisor; nothing runs until <see cref="LocalFunctionsHost.StartAsync"/>.</summary>
    public LocalFunctionsHost Build()
    {
        ConfigureListener();

        // Last, so they win over configuration: keys and full URLs must not reach the logs.
        Logging.AddFilter(HttpPipeline.HostingCategory, LogLevel.Warning);
        Logging.AddFilter(HttpPipeline.ForwarderCategory, LogLevel.Warning);

        var app = _web.Build();
        HttpPipeline.Configure(app, app.Services.GetServices<IHostExtension>(), app.Services.GetRequiredService<FunctionEndpointDataSource>());
        return new LocalFunctionsHost(app, App);
    }

    private static void AddServices(IServiceCollection services, ConfigurationManager configuration, FunctionAppFolder app, LocalSettings localSettings)
    {
        services.AddSingleton(app);
        services.AddSingleton(localSettings);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<LocalFunctionsHostOptionsSetup>();
        services.AddSingleton<IConfigureOptions<LocalFunctionsHostOptions>>(sp => sp.GetRequiredService<LocalFunctionsHostOptionsSetup>());
        services.AddSingleton<IValidateOptions<LocalFunctionsHostOptions>>(sp => sp.GetRequiredService<LocalFunctionsHostOptionsSetup>());
        services.AddOptions<LocalFunctionsHostOptions>().Bind(configuration.GetSection(LocalFunctionsHostOptions.Section)).ValidateOnStart();
        services.AddSingleton<WorkerConnections>();
        services.AddSingleton<RpcServer>();
        services.AddSingleton<FunctionKeySecrets>();
        services.AddSingleton<WorkerLogRouter>();
        // The worker's supervision (liveness probe, startup/terminate grace, functionTimeout) and the HTTP proxy's retries are
        // operational safety checks on real time. The TimeProvider in DI is the app's notion of time (durable time, timer
        // schedules): a test's fake clock jumping hours ahead must not kill a healthy worker or time out its invocations.
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<WorkerSupervisor>(sp, TimeProvider.System));
        services.AddSingleton<IWorkerProcess>(sp => sp.GetRequiredService<WorkerSupervisor>());
        services.AddSingleton<FunctionInvoker>();
        services.AddSingleton<FunctionsHostFacade>();
        services.AddSingleton<IFunctionsHost>(sp => sp.GetRequiredService<FunctionsHostFacade>());
        services.AddSingleton(sp => new HttpRouting(sp.GetRequiredService<IOptions<LocalFunctionsHostOptions>>().Value.RoutePrefix, HttpRouting.ReadWorkerPrefix(app.Path)));
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<HttpFunctionProxy>(sp, TimeProvider.System));
        services.AddSingleton<FunctionEndpointDataSource>();
        services.AddHttpForwarder();
        services.AddHostTelemetry(configuration);

        // First in, last out: the worker is ready before the listener accepts, and stopped after it drained.
        services.Insert(0, ServiceDescriptor.Singleton<IHostedService, FunctionsHostService>());
    }

    /// <summary>
    /// Where the public listener binds, as <c>func start</c> decides it: <c>--urls</c> (or ASPNETCORE_URLS) as given, else
    /// <c>http://localhost:{port}</c> with <c>--port</c>, local.settings.json <c>Host:LocalHttpPort</c>, or 7071.
    /// </summary>
    private void ConfigureListener()
    {
        _web.WebHost.ConfigureKestrel(kestrel =>
        {
            var options = kestrel.ApplicationServices.GetRequiredService<IOptions<LocalFunctionsHostOptions>>().Value;
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodySize;
            kestrel.AddServerHeader = false;
        });
        if (!string.IsNullOrEmpty(Configuration["urls"]))
        {
            return;
        }

        var port = Configuration["port"] ?? Configuration["Host:LocalHttpPort"] ?? "7071";
        if (!int.TryParse(port, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number) || number is < 1 or > 65535)
        {
            throw new InvalidOperationException($"The port '{port}' is not a TCP port (1-65535); use --urls http://127.0.0.1:0 for a free one.");
        }

        _web.WebHost.UseUrls($"http://localhost:{number}");
    }
}
