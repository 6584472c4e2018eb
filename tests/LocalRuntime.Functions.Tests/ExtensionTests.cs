using System.Net;
using LocalRuntime.Functions.Extensibility;
using Microsoft.Extensions.DependencyInjection;

namespace LocalRuntime.Functions.Tests;

/// <summary>The extension seam against the real worker: input bindings, endpoints before function routes, start and stop order.</summary>
public sealed class ExtensionTests
{
    [Fact]
    public async Task StartAsync_AfterFunctionsLoaded_GetsTheFunctionsAndTheBaseAddress()
    {
        var extension = new TestExtension();
        await using var app = await StartAsync(extension);

        Assert.Same(app.Host.Services.GetRequiredService<IFunctionsHost>(), extension.StartedWith);
        Assert.Equal(app.Host.BaseAddress, extension.BaseAddressAtStart);
        Assert.Equal($"start with {app.Host.Functions.Count} functions", extension.Events.Single());
        Assert.Contains(app.Host.Functions, f => f.Name == "EchoActivity");
    }

    [Fact]
    public async Task Http_FunctionWithDurableClientBinding_GetsTheExtensionsValue()
    {
        var extension = new TestExtension();
        await using var app = await StartAsync(extension);

        using var response = await app.Http.GetAsync("api/ClientName");
        var name = await response.Content.ReadAsStringAsync();

        Assert.True(response.IsSuccessStatusCode, $"{response.StatusCode} {name}{Environment.NewLine}{app.Logs.Tail()}");
        Assert.Equal(TestExtension.TaskHub, name);
        Assert.Contains("bind client for ClientName via http", extension.Events);
    }

    [Fact]
    public async Task Endpoints_ExtensionRoutes_AreServedAndComeBeforeFunctionRoutes()
    {
        await using var app = await StartAsync(new TestExtension());

        Assert.Equal("open", await app.Http.GetStringAsync("runtime/webhooks/test/open"));
        Assert.Equal("extension a/b", await app.Http.GetStringAsync("api/inspect/extension/a/b"));
        Assert.Contains("\"path\":\"/api/inspect/other\"", await app.Http.GetStringAsync("api/inspect/other"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StopAsync_HostStops_ExtensionStopsBeforeTheWorkerIsTerminated()
    {
        var extension = new TestExtension();
        var app = await StartAsync(extension);
        extension.IsWorkerReady = () => app.Host.Worker.IsReady;
        var worker = app.Host.Worker.ProcessId;

        await app.DisposeAsync();

        Assert.Equal("stop", extension.Events.Last());
        Assert.True(extension.WorkerReadyAtStop);
        await ProcessState.WaitUntilGoneAsync(worker, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Keys_ExtensionEndpointRequiringAKey_IsEnforcedWhenKeysAreConfigured()
    {
        await using var app = await StartAsync(new TestExtension(), "--FunctionKeys:Default=fk-ext", "--FunctionKeys:Master=mk-ext");

        Assert.Equal(HttpStatusCode.OK, (await app.Http.GetAsync("runtime/webhooks/test/open")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Http.GetAsync("runtime/webhooks/test/keyed")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.Http.GetAsync("runtime/webhooks/test/keyed?code=fk-ext")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Http.GetAsync("runtime/webhooks/test/admin?code=fk-ext")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.Http.GetAsync("runtime/webhooks/test/admin?code=mk-ext")).StatusCode);
    }

    [Fact]
    public async Task Logs_TriggerNobodyDispatches_IsWarnedAboutAtStart()
    {
        await using var app = await TestHost.StartAsync();

        await app.Logs.WaitForAsync(l => l.Message == "Function EchoActivity has a activityTrigger trigger that no extension of this host dispatches; it will not run.", TimeSpan.FromSeconds(5));
    }

    private static Task<TestHost> StartAsync(TestExtension extension, params string[] args) =>
        TestHost.StartAsync(builder => builder.Services.AddSingleton<IHostExtension>(extension), args);
}
