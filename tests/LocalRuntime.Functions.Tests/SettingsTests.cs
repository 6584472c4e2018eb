using System.Net;
using LocalRuntime.Functions.Extensibility;
using LocalRuntime.Functions.Hosting;
using LocalRuntime.Functions.Rpc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LocalRuntime.Functions.Tests;

/// <summary>host.json, local.settings.json, environment-style overrides and the options validated at start.</summary>
public sealed class SettingsTests
{
    [Fact]
    public void CreateBuilder_FolderWithoutFunctionsMetadata_FailsNamingTheFile()
    {
        var empty = Directory.CreateTempSubdirectory("no-app").FullName;
        try
        {
            var failure = Assert.Throws<InvalidOperationException>(() => LocalFunctionsHost.CreateBuilder(empty));

            Assert.StartsWith($"'{empty}' is not a built Functions app: it has no functions.metadata.", failure.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(empty);
        }
    }

    [Fact]
    public void CreateBuilder_WorkerConfigMissing_FailsNamingTheFile()
    {
        var copy = AppCopy.Create(path => File.Delete(Path.Combine(path, "worker.config.json")));
        try
        {
            var failure = Assert.Throws<InvalidOperationException>(() => LocalFunctionsHost.CreateBuilder(copy.Path));

            Assert.Contains("it has no worker.config.json", failure.Message, StringComparison.Ordinal);
        }
        finally
        {
            copy.Delete();
        }
    }

    [Fact]
    public async Task RoutePrefix_OverriddenLikeAnEnvironmentVariable_ServesTheNewPrefixAndTheWorkerStillMatches()
    {
        await using var app = await TestHost.StartAsync(null, "--AzureFunctionsJobHost:extensions:http:routePrefix=v1");

        Assert.Equal("Hello, prefix", await app.Http.GetStringAsync("v1/Hello?name=prefix"));
        Assert.Equal(HttpStatusCode.NotFound, (await app.Http.GetAsync("api/Hello")).StatusCode);
        Assert.Contains(app.Host.HttpRoutes, r => r.Function == "Hello" && r.Path == "/v1/Hello");
    }

    [Fact]
    public async Task WorkerEnvironment_HostOverride_WinsOverLocalSettings()
    {
        await using var app = await TestHost.StartAsync(null, "--LocalRuntime:Host:WorkerEnvironment:HostTestApp__Greeting=Howdy");

        Assert.Equal("Howdy, partner", await app.Http.GetStringAsync("api/Hello?name=partner"));
    }

    [Fact]
    public async Task FunctionTimeout_InvocationRunsPastIt_FailsAndTheWorkerIsRecycled()
    {
        await using var app = await TestHost.StartAsync(null, "--AzureFunctionsJobHost:functionTimeout=00:00:02");
        var first = app.Host.Worker.ProcessId;

        var failure = await Record.ExceptionAsync(() =>
            app.Host.InvokeAsync(app.Host.GetFunction("SlowActivity"), new TypedData { String = "\"t\"" }, null, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20)));

        Assert.IsType<FunctionTimeoutException>(failure);
        await Eventually.WaitAsync(() => app.Host.Worker.IsReady && app.Host.Worker.ProcessId != first, TimeSpan.FromSeconds(30), () => app.Logs.Tail());
    }

    [Fact]
    public async Task FunctionTimeout_BelowOneSecond_FailsValidationAtStart()
    {
        var validation = await Assert.ThrowsAsync<OptionsValidationException>(() => TestHost.StartAsync(null, "--AzureFunctionsJobHost:functionTimeout=00:00:00.500"));

        Assert.Contains("functionTimeout must be at least 00:00:01", validation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Options_HostJsonDefaults_AreRead()
    {
        await using var app = await TestHost.StartAsync();

        var options = app.Host.Services.GetRequiredService<IOptions<LocalFunctionsHostOptions>>().Value;

        Assert.Equal("api", options.RoutePrefix);
        Assert.Equal(TimeSpan.FromMinutes(30), options.FunctionTimeout);
        Assert.Equal(104_857_600, options.MaxRequestBodySize);
        Assert.Equal("Information", app.Host.Configuration.GetExtensionSectionValue());
    }

    [Fact]
    public async Task MaxRequestBodySize_Exceeded_IsProblem413()
    {
        await using var app = await TestHost.StartAsync(b => b.ConfigureOptions(o => o.MaxRequestBodySize = 1024 * 1024));

        using var content = new ByteArrayContent(new byte[(1024 * 1024) + 1]);
        using var response = await app.Http.PostAsync("api/Upload", content);

        await HttpProxyTests.AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "/api/Upload");
    }
}

internal static class ConfigurationTestExtensions
{
    /// <summary>host.json's default log level as the host read it (under AzureFunctionsJobHost).</summary>
    public static string? GetExtensionSectionValue(this Microsoft.Extensions.Configuration.IConfiguration configuration) =>
        configuration[$"{FunctionsConfiguration.HostJsonSection}:logging:logLevel:default"];
}
