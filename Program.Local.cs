using LocalRuntime.Functions;
using Microsoft.AspNetCore.Builder;

namespace ServerlessTasks;

/// <summary>Entry point of the local flavour: the app on LocalRuntime's Functions host.</summary>
public static class LocalProgram
{
    /// <summary>Runs the service until Ctrl+C (or SIGTERM), then drains and stops.</summary>
    public static async Task Main(string[] args)
    {
        await using var app = BuildHost(args);
        await app.RunAsync();
    }

    /// <summary>Builds the host; tests use this to run the very same app in process.</summary>
    public static WebApplication BuildHost(string[] args, Action<LocalFunctionsApplicationBuilder>? configure = null)
    {
        var builder = LocalFunctionsApplication.CreateBuilder(args);
        builder.Services.AddServerlessTasks(builder.Configuration);
        configure?.Invoke(builder);
        return builder.Build(typeof(LocalProgram).Assembly);
    }
}
