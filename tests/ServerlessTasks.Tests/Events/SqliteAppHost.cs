using LocalRuntime.Functions.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ServerlessTasks.Tests.Events;

/// <summary>
/// The real app in its worker on an in-process host whose stores all live in one folder the test owns, started and
/// stopped by the test: a restart reuses the files (durable task hub, queues, task index and journal, callbacks).
/// </summary>
public sealed class SqliteAppHost : IAsyncDisposable
{
    private readonly LocalFunctionsHost _host;

    private SqliteAppHost(LocalFunctionsHost host, CapturedLogs logs)
    {
        _host = host;
        Logs = logs;
        Http = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    public HttpClient Http { get; }

    public CapturedLogs Logs { get; }

    /// <summary>The worker's process id.</summary>
    public int WorkerProcessId => _host.Worker.ProcessId;

    /// <summary>Starts a host on the stores in <paramref name="folder"/>; <paramref name="workerSettings"/> are the app's settings (<c>__</c> for <c>:</c>).</summary>
    /// <param name="folder">The stores' folder.</param>
    /// <param name="workerSettings">The app's settings for this run (e.g. <c>Hlc__NodeId</c>).</param>
    /// <param name="clock">The host's clock (durable time), real by default.</param>
    public static async Task<SqliteAppHost> StartAsync(string folder, IReadOnlyDictionary<string, string>? workerSettings = null, TimeProvider? clock = null)
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["TaskIndex__Provider"] = "sqlite",
            ["TaskIndex__Path"] = Path.Combine(folder, "tasks.db"),
            ["Webhooks__StorePath"] = Path.Combine(folder, "callbacks.db"),
        };
        foreach (var (name, value) in workerSettings ?? new Dictionary<string, string>())
        {
            settings[name] = value;
        }

        var logs = new CapturedLogs();
        var builder = await HostBuilders.CreateAsync("Development",
        [
            "--urls", "http://127.0.0.1:0",
            "--LocalRuntime:DataPath", folder,
            .. settings.SelectMany(s => new[] { $"--LocalRuntime:Host:WorkerEnvironment:{s.Key}", s.Value }),
        ]);
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        LocalRuntime.Host.Composition.AddExtensions(builder);
        if (clock is not null)
        {
            builder.Services.AddSingleton(clock);
        }

        var host = builder.Build();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            await host.StartAsync(timeout.Token);
        }
        catch (Exception ex)
        {
            await host.DisposeAsync();
            throw new InvalidOperationException($"The host did not start: {ex.Message}{Environment.NewLine}{logs.Tail()}", ex);
        }

        return new SqliteAppHost(host, logs);
    }

    /// <summary>The last host and worker log lines, for failure messages.</summary>
    public string Describe(int lines = 40) => AppHost.DescribeLog(Logs, lines);

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _host.DisposeAsync();
    }
}
