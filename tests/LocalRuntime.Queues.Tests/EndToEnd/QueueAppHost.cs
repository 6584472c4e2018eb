using System.Collections.Concurrent;
using System.Reflection;
using LocalRuntime.Functions.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LocalRuntime.Queues.Tests.EndToEnd;

/// <summary>The real local host running HostTestApp's real worker with the queue extension, on a free loopback port.</summary>
public sealed class QueueAppHost : IAsyncDisposable
{
    private readonly TestFolder _data;
    private readonly ConcurrentDictionary<string, ConcurrentQueue<DateTimeOffset>> _added = new(StringComparer.Ordinal);

    private QueueAppHost(LocalFunctionsHost host, TestFolder data, CapturedLogs logs)
    {
        Host = host;
        _data = data;
        Logs = logs;
        Store = host.Services.GetRequiredService<IQueueStore>();
        Extension = host.Services.GetRequiredService<QueuesExtension>();
        Store.MessageAdded += queue => _added.GetOrAdd(queue, _ => new()).Enqueue(DateTimeOffset.UtcNow);
        Http = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    public static string AppDirectory =>
        typeof(QueueAppHost).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "HostTestAppDirectory").Value!;

    public LocalFunctionsHost Host { get; }

    /// <summary>The default connection's store, from the host's DI (as an app's own tests would enqueue).</summary>
    public IQueueStore Store { get; }

    public QueuesExtension Extension { get; }

    public HttpClient Http { get; }

    public CapturedLogs Logs { get; }

    /// <summary>Starts a host; <paramref name="settings"/> are configuration keys (e.g. <c>LocalRuntime:QueueStore</c>).</summary>
    public static async Task<QueueAppHost> StartAsync(IReadOnlyDictionary<string, string> settings, Action<LocalFunctionsHostBuilder>? configure = null)
    {
        var data = new TestFolder();
        var logs = new CapturedLogs();
        var builder = LocalFunctionsHost.CreateBuilder(AppDirectory, ["--urls", "http://127.0.0.1:0"]);
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        builder.Configuration["LocalRuntime:DataPath"] = data.Path;
        foreach (var (key, value) in settings)
        {
            builder.Configuration[key] = value;
        }

        builder.Services.AddQueueTriggers(builder.Configuration);
        configure?.Invoke(builder);
        var host = builder.Build();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            await host.StartAsync(timeout.Token);
        }
        catch (Exception ex)
        {
            await host.DisposeAsync();
            data.Dispose();
            throw new InvalidOperationException($"The host did not start: {ex.Message}{Environment.NewLine}{logs.Tail()}", ex);
        }

        return new QueueAppHost(host, data, logs);
    }

    /// <summary>When each message was added to <paramref name="queue"/> by this process (the host's output writes included).</summary>
    public IReadOnlyList<DateTimeOffset> Added(string queue) => _added.TryGetValue(queue, out var times) ? [.. times] : [];

    /// <summary>Waits until <paramref name="queue"/> holds <paramref name="count"/> visible messages and returns their texts.</summary>
    public Task<IReadOnlyList<string>> WaitForMessagesAsync(string queue, int count, TimeSpan? within = null) =>
        WaitForMessagesAsync(queue, count, _ => true, within);

    /// <summary>Waits until <paramref name="queue"/> holds <paramref name="count"/> visible messages matching <paramref name="match"/> and returns their texts.</summary>
    public async Task<IReadOnlyList<string>> WaitForMessagesAsync(string queue, int count, Func<string, bool> match, TimeSpan? within = null)
    {
        IReadOnlyList<QueueMessage> messages = [];
        await Eventually.TrueAsync(
            async () => (messages = [.. (await Store.PeekAsync(queue, 32)).Where(m => match(m.Text))]).Count >= count,
            $"'{queue}' did not get {count} message(s){Environment.NewLine}{Logs.Tail()}",
            within ?? TimeSpan.FromSeconds(60));
        return [.. messages.Select(m => m.Text)];
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Host.DisposeAsync();
        _data.Dispose();
    }
}

/// <summary>The host's and worker's log lines, for failure messages.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    public string Tail(int count = 40) => string.Join(Environment.NewLine, _lines.TakeLast(count));

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)}{(exception is null ? string.Empty : " | " + exception.GetType().Name + ": " + exception.Message)}");
            }
        }
    }
}
