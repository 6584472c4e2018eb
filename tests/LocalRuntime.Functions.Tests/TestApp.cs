using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using LocalRuntime.Functions.Host;
using LocalRuntime.Functions.Queues;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LocalRuntime.Functions.Tests;

/// <summary>
/// The test functions on the real local host, on a free loopback port, with the memory store unless a test
/// passes an SQLite file. Extra settings go in as command-line configuration.
/// </summary>
public sealed class TestApp : IAsyncDisposable
{
    private TestApp(WebApplication app, CapturingLoggerProvider logs)
    {
        App = app;
        Logs = logs;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address);
        Http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public WebApplication App { get; }

    public HttpClient Http { get; }

    public Uri BaseAddress { get; }

    public CapturingLoggerProvider Logs { get; }

    public Probe Probe => App.Services.GetRequiredService<Probe>();

    public IQueueStore Queues => App.Services.GetRequiredService<IQueueStore>();

    public DurableTaskClient Client => App.Services.GetRequiredService<DurableTaskClient>();

    internal FunctionTriggers Triggers => App.Services.GetRequiredService<FunctionTriggers>();

    public static async Task<TestApp> StartAsync(
        IReadOnlyDictionary<string, string>? settings = null,
        string? sqlitePath = null,
        TimeProvider? clock = null,
        string logLevel = "Warning")
    {
        var app = Build(settings, sqlitePath, clock, logLevel, out var logs);
        await app.StartAsync();
        return new TestApp(app, logs);
    }

    public static WebApplication Build(
        IReadOnlyDictionary<string, string>? settings,
        string? sqlitePath,
        TimeProvider? clock,
        string logLevel,
        out CapturingLoggerProvider logs)
    {
        var args = new List<string>
        {
            "--urls", "http://127.0.0.1:0",
            "--AzureFunctionsJobHost:extensions:durableTask:storageProvider:type", sqlitePath is null ? "memory" : "sqlite",
            "--Logging:LogLevel:Default", logLevel,
            "--OrdersQueue", "orders",
            "--TestTimerSchedule", "0 0 0 1 1 *",
        };
        if (sqlitePath is not null)
        {
            args.AddRange(["--AzureFunctionsJobHost:extensions:durableTask:storageProvider:path", sqlitePath]);
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            args.AddRange(["--" + key, value]);
        }

        var builder = LocalFunctionsApplication.CreateBuilder([.. args]);
        builder.Services.AddSingleton<Probe>();
        if (clock is not null)
        {
            builder.Services.AddSingleton(clock);
        }

        logs = new CapturingLoggerProvider();
        builder.Logging.AddProvider(logs);
        return builder.Build(typeof(TestApp).Assembly);
    }

    public static string StatusUrl(string instanceId) => $"/runtime/webhooks/durabletask/instances/{Uri.EscapeDataString(instanceId)}";

    /// <summary>Polls the status endpoint until it answers with a terminal code (200/500) or the deadline passes.</summary>
    public async Task<JsonElement> WaitForStatusAsync(string instanceId, string query = "", TimeSpan? within = null)
    {
        JsonElement body = default;
        await Eventually.TrueAsync(async () =>
        {
            using var response = await Http.GetAsync(StatusUrl(instanceId) + query);
            if (response.StatusCode is System.Net.HttpStatusCode.OK or System.Net.HttpStatusCode.InternalServerError)
            {
                body = await response.Content.ReadFromJsonAsync<JsonElement>();
                return true;
            }

            return false;
        }, $"{instanceId} did not finish", within);
        return body;
    }

    /// <summary>Waits until an instance's runtime status is the given one.</summary>
    public Task WaitForRuntimeStatusAsync(string instanceId, OrchestrationRuntimeStatus status) =>
        Eventually.TrueAsync(async () => (await Client.GetInstanceAsync(instanceId))?.RuntimeStatus == status, $"{instanceId} never became {status}");

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}

/// <summary>Assertions that wait with a deadline instead of sleeping.</summary>
public static class Eventually
{
    public static async Task TrueAsync(Func<Task<bool>> condition, string because, TimeSpan? within = null, Action? nudge = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(20));
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, because);
            nudge?.Invoke();
            await Task.Delay(10);
        }
    }

    public static Task TrueAsync(Func<bool> condition, string because, TimeSpan? within = null, Action? nudge = null) =>
        TrueAsync(() => Task.FromResult(condition()), because, within, nudge);
}

/// <summary>Keeps every log line, so tests can check what was (never) logged.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, Lines);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
    }
}
