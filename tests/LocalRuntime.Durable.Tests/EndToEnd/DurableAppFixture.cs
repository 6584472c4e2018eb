using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LocalRuntime.Durable.Hosting;
using LocalRuntime.Functions.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using ServerlessTasks.Testing;

namespace LocalRuntime.Durable.Tests.EndToEnd;

/// <summary>
/// DurableTestApp's real worker on our host with the Durable extension, on a free loopback port, with its own data folder
/// and activity log. Subclasses choose the backend.
/// </summary>
public abstract class DurableAppFixture : IAsyncLifetime
{
    private LocalFunctionsHost? _host;

    protected DurableAppFixture()
    {
        DataPath = Path.Combine(Path.GetTempPath(), "durable-e2e-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(DataPath);
        ActivityLogPath = Path.Combine(DataPath, "activities.log");
    }

    /// <summary>The folder of the host's own files (the SQLite task hub among them).</summary>
    public string DataPath { get; }

    /// <summary>Every <c>Work</c>/<c>Fail</c> activity execution, one line each (instance, item, worker pid).</summary>
    public string ActivityLogPath { get; }

    public CapturedLogs Logs { get; } = new();

    public LocalFunctionsHost Host => _host ?? throw new InvalidOperationException("Not started.");

    public HttpClient Http { get; private set; } = null!;

    /// <summary>The host's clock, when the fixture fakes it (durable time: orchestration timestamps and timers).</summary>
    public virtual FakeTimeProvider? Clock => null;

    /// <summary>Backend settings (command-line style).</summary>
    protected abstract IEnumerable<string> BackendArguments();

    public virtual async Task InitializeAsync()
    {
        var builder = LocalFunctionsHost.CreateBuilder(TestPaths.DurableTestApp,
        [
            "--urls", "http://127.0.0.1:0",
            "--LocalRuntime:DataPath", DataPath,
            "--LocalRuntime:Host:WorkerEnvironment:TESTAPP_ACTIVITY_LOG", ActivityLogPath,
            .. BackendArguments(),
        ]);
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(Logs);
        if (Clock is { } clock)
        {
            builder.Services.AddSingleton<TimeProvider>(clock);
        }

        builder.Services.AddDurableTask(builder.Configuration);
        var host = builder.Build();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            await host.StartAsync(timeout.Token);
        }
        catch (Exception ex)
        {
            await host.DisposeAsync();
            throw new InvalidOperationException($"The host did not start: {ex.Message}{Environment.NewLine}{Logs.Tail()}", ex);
        }

        _host = host;
        Http = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    public virtual async Task DisposeAsync()
    {
        Http?.Dispose();
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        try
        {
            Directory.Delete(DataPath, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by a dying process; the temp folder is the OS's to clean.
        }
    }

    /// <summary>Starts <paramref name="orchestrator"/> through the app's HTTP starter (the worker's own DurableTaskClient).</summary>
    public async Task<JsonElement> StartAsync(string orchestrator, object? input, string? instanceId = null)
    {
        var id = instanceId ?? $"{orchestrator}-{Guid.NewGuid():N}";
        using var response = await Http.PostAsJsonAsync($"/api/start/{orchestrator}?id={Uri.EscapeDataString(id)}", input);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"start {orchestrator}: {(int)response.StatusCode} {body}{Environment.NewLine}{Logs.Tail(30)}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>The worker client's view of an instance.</summary>
    public async Task<JsonElement?> GetAsync(string instanceId)
    {
        using var response = await Http.GetAsync($"/api/instances/{Uri.EscapeDataString(instanceId)}");
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>Waits (with a deadline) until the instance is Completed, Failed or Terminated; <paramref name="whileWaiting"/> runs between polls.</summary>
    public async Task<JsonElement> WaitForCompletionAsync(string instanceId, TimeSpan? within = null, Action? whileWaiting = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(60));
        JsonElement? last = null;
        while (DateTime.UtcNow < deadline)
        {
            last = await GetAsync(instanceId);
            if (last?.GetProperty("runtimeStatus").GetString() is "Completed" or "Failed" or "Terminated")
            {
                return last.Value;
            }

            whileWaiting?.Invoke();
            await Task.Delay(20);
        }

        throw new TimeoutException($"{instanceId} did not finish: {last}{Environment.NewLine}{Logs.Tail()}");
    }

    /// <summary>The activity log's lines for one instance.</summary>
    public IReadOnlyList<string> ActivityLines(string instanceId) => File.Exists(ActivityLogPath)
        ? [.. File.ReadLines(ActivityLogPath).Where(l => l.StartsWith(instanceId + "\t", StringComparison.Ordinal))]
        : [];
}

/// <summary>The embedded SQLite backend (the default) on a real clock.</summary>
public sealed class SqliteAppFixture : DurableAppFixture
{
    protected override IEnumerable<string> BackendArguments() => ["--LocalRuntime:DurableStore", "sqlite"];
}

/// <summary>The embedded SQLite backend with a fake host clock.</summary>
public sealed class FakeClockSqliteAppFixture : DurableAppFixture
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public override FakeTimeProvider? Clock => _clock;

    protected override IEnumerable<string> BackendArguments() => ["--LocalRuntime:DurableStore", "sqlite"];
}

/// <summary>Microsoft's Azure Storage provider on Azurite (started for the fixture), its own task hub.</summary>
public sealed class AzuriteAppFixture : DurableAppFixture
{
    private AzuriteFixture? _azurite;

    public AzuriteFixture Azurite => _azurite ?? throw new InvalidOperationException("Not started.");

    public override async Task InitializeAsync()
    {
        _azurite = await AzuriteFixture.StartAsync();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
        }
    }

    protected override IEnumerable<string> BackendArguments() =>
    [
        "--LocalRuntime:DurableStore", "azurestorage",
        "--AzureWebJobsStorage", Azurite.ConnectionString,
        "--AzureFunctionsJobHost:extensions:durableTask:hubName", "e2e" + Guid.NewGuid().ToString("N")[..10],
    ];
}
