using System.Net.Http.Json;
using System.Text.Json;
using Grpc.Net.Client;
using LocalRuntime.Durable.Hosting;
using LocalRuntime.Functions.Extensibility;
using LocalRuntime.Functions.Hosting;
using LocalRuntime.Queues;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Client.Grpc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ServerlessTasks.Tests;

/// <summary>
/// The real app (its build output, <see cref="TestPaths.App"/>) in its real worker process on LocalRuntime's host, in
/// this process, on a free loopback port, with Durable, queue and timer triggers composed as the host program does.
/// Its own temp data folder holds every store (SQLite task hub, queues, task index and journal, callbacks) and is
/// deleted on dispose. Started once per test class through <see cref="IClassFixture{T}"/>.
/// </summary>
public class AppHost : IAsyncLifetime
{
    /// <summary>How long a wait for the app lasts by default (a loaded 2-core machine runs host, worker and tests).</summary>
    public static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(45);

    private LocalFunctionsHost? _host;

    public AppHost()
    {
        DataPath = Path.Combine(Path.GetTempPath(), "st-app-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(DataPath);
    }

    /// <summary>The folder of every store this host and its worker write.</summary>
    public string DataPath { get; }

    public CapturedLogs Logs { get; } = new();

    public LocalFunctionsHost Host => _host ?? throw new InvalidOperationException("Not started.");

    public HttpClient Http { get; private set; } = null!;

    public Uri BaseAddress => Host.BaseAddress;

    /// <summary>The host's embedded queue store (the default connection), where a deployment's clients would enqueue.</summary>
    public IQueueStore Queues => Host.Services.GetRequiredService<IQueueStoreProvider>().Default;

    /// <summary>The task index and event journal the worker writes.</summary>
    public string TaskIndexPath => Path.Combine(DataPath, "tasks.db");

    /// <summary>The callback store the worker writes.</summary>
    public string CallbackStorePath => Path.Combine(DataPath, "callbacks.db");

    /// <summary>The environment the host and the app run in (<c>AZURE_FUNCTIONS_ENVIRONMENT</c>).</summary>
    protected virtual string EnvironmentName => "Development";

    public virtual Task InitializeAsync() => StartHostAsync();

    /// <summary>
    /// Stops the host and its worker as a deployment's restart would, then starts them again on the same data folder
    /// (a new port: <see cref="Http"/> is replaced).
    /// </summary>
    public async Task RestartAsync()
    {
        Http.Dispose();
        await StopHostAsync(Host);
        _host = null;
        await StartHostAsync();
    }

    private async Task StartHostAsync()
    {
        var worker = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["TaskIndex__Provider"] = "sqlite",
            ["TaskIndex__Path"] = TaskIndexPath,
            ["Webhooks__StorePath"] = CallbackStorePath,
        };
        foreach (var (name, value) in WorkerSettings())
        {
            worker[name] = value;
        }

        // The worker's AZURE_FUNCTIONS_ENVIRONMENT is the host's environment.
        var builder = await HostBuilders.CreateAsync(EnvironmentName,
        [
            "--urls", "http://127.0.0.1:0",
            "--LocalRuntime:DataPath", DataPath,
            .. worker.SelectMany(setting => new[] { $"--LocalRuntime:Host:WorkerEnvironment:{setting.Key}", setting.Value }),
            .. HostArguments(),
        ]);
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(Logs);
        LocalRuntime.Host.Composition.AddExtensions(builder);
        Configure(builder);
        var host = builder.Build();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            await host.StartAsync(timeout.Token);
        }
        catch (Exception ex)
        {
            await host.DisposeAsync();
            DeleteData();
            throw new InvalidOperationException($"The host did not start: {ex.Message}{Environment.NewLine}{Logs.Tail()}", ex);
        }

        _host = host;
        Http = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    /// <summary>The app's own settings for this fixture, as environment variables of its worker (<c>__</c> for <c>:</c>).</summary>
    protected virtual IEnumerable<KeyValuePair<string, string>> WorkerSettings() => [];

    /// <summary>More host settings, command-line style.</summary>
    protected virtual IEnumerable<string> HostArguments() => [];

    /// <summary>Lets a derived fixture change the host (e.g. its clock).</summary>
    protected virtual void Configure(LocalFunctionsHostBuilder builder)
    {
    }

    public virtual async Task DisposeAsync()
    {
        Http?.Dispose();
        if (_host is not null)
        {
            await StopHostAsync(_host);
        }

        DeleteData();
    }

    /// <summary>Stops and releases the host (its worker is gone when this returns).</summary>
    protected virtual Task StopHostAsync(LocalFunctionsHost host) => host.DisposeAsync().AsTask();

    /// <summary>The last host and worker log lines, for failure messages.</summary>
    public string Describe(int lines = 40) => DescribeLog(Logs, lines);

    /// <summary>The last lines of <paramref name="logs"/> (<c>ST_TEST_LOG_LINES</c> raises the count, to look into a failure).</summary>
    public static string DescribeLog(CapturedLogs logs, int lines = 40)
    {
        ArgumentNullException.ThrowIfNull(logs);
        lines = int.TryParse(Environment.GetEnvironmentVariable("ST_TEST_LOG_LINES"), out var wanted) ? wanted : lines;
        return $"{Environment.NewLine}--- host log (last {lines} lines) ---{Environment.NewLine}{logs.Tail(lines)}";
    }

    /// <summary>
    /// The Durable client a function's <c>[DurableClient]</c> gets from this host: Microsoft's gRPC client on the host's
    /// sidecar, configured from the very binding payload the worker receives.
    /// </summary>
    public DurableTaskClient CreateDurableClient()
    {
        var function = Host.Functions.First(f => f.Bindings.Any(b => string.Equals(b.Type, "durableClient", StringComparison.OrdinalIgnoreCase)));
        var binding = function.Bindings.First(b => string.Equals(b.Type, "durableClient", StringComparison.OrdinalIgnoreCase));
        var payload = Host.Services.GetRequiredService<DurableExtension>().BindInput(binding, new InvocationContext(function, Guid.NewGuid().ToString(), null));
        using var document = JsonDocument.Parse(payload.String);
        var hub = document.RootElement.GetProperty("taskHubName").GetString()!;
        var address = document.RootElement.GetProperty("rpcBaseUrl").GetString()!;
        var http = new HttpClient();
        http.DefaultRequestHeaders.Add("Durable-TaskHub", hub);
        var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpClient = http, DisposeHttpClient = true });
        return new GrpcDurableTaskClient(hub, new GrpcDurableTaskClientOptions { Channel = channel }, NullLogger.Instance);
    }

    /// <summary>An orchestration's status with its history from the Durable management API, for failure messages.</summary>
    public async Task<string> InstanceReportAsync(string instanceId)
    {
        try
        {
            using var response = await Http.GetAsync($"/runtime/webhooks/durabletask/instances/{Uri.EscapeDataString(instanceId)}?showHistory=true&showHistoryOutput=true");
            var text = await response.Content.ReadAsStringAsync();
            return $"--- instance {instanceId}: {(int)response.StatusCode} ---{Environment.NewLine}{(text.Length > 6000 ? text[..6000] + " ..." : text)}";
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return $"--- instance {instanceId}: {ex.Message} ---";
        }
    }

    /// <summary>Kills the worker process (as a crash would) and waits until the host has a new one ready; returns the killed pid.</summary>
    public async Task<int> KillWorkerAsync()
    {
        var killed = Host.Worker.ProcessId;
        var starts = Host.Worker.StartCount;
        using (var worker = System.Diagnostics.Process.GetProcessById(killed))
        {
            worker.Kill();
        }

        var deadline = DateTime.UtcNow + DefaultWait;
        while (!(Host.Worker.IsReady && Host.Worker.StartCount > starts))
        {
            Assert.True(DateTime.UtcNow < deadline, $"no new worker after pid {killed} was killed{Describe()}");
            await Task.Delay(20);
        }

        return killed;
    }

    /// <summary>Posts JSON text with a content type.</summary>
    public Task<HttpResponseMessage> PostAsync(string path, string body, string contentType = "application/json") =>
        Http.PostAsync(path, new StringContent(body, System.Text.Encoding.UTF8, contentType));

    /// <summary>Submits a workflow and returns its id (asserting 202).</summary>
    public async Task<string> SubmitAsync(string json)
    {
        using var response = await PostAsync("/api/workflows", json);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Accepted, $"submit: {(int)response.StatusCode} {text}{Describe()}");
        return JsonDocument.Parse(text).RootElement.GetProperty("id").GetString()!;
    }

    /// <summary>GET /api/workflows/{id}.</summary>
    public Task<JsonElement> GetWorkflowAsync(string id) => Http.GetFromJsonAsync<JsonElement>($"/api/workflows/{id}");

    /// <summary>Waits (with a deadline) until the workflow's status is no longer pending/running/suspended.</summary>
    public Task<JsonElement> WaitForWorkflowAsync(string id, Action? whileWaiting = null, TimeSpan? within = null) =>
        WaitUntilAsync(id, w => w.GetProperty("status").GetString() is not ("pending" or "running" or "suspended"), within, whileWaiting);

    /// <summary>Waits (with a deadline) until a condition on the workflow holds; <paramref name="whileWaiting"/> runs between polls.</summary>
    public async Task<JsonElement> WaitUntilAsync(string id, Func<JsonElement, bool> condition, TimeSpan? within = null, Action? whileWaiting = null)
    {
        var deadline = DateTime.UtcNow + (within ?? DefaultWait);
        while (true)
        {
            var workflow = await GetWorkflowAsync(id);
            if (condition(workflow))
            {
                return workflow;
            }

            if (DateTime.UtcNow >= deadline)
            {
                Assert.Fail($"Workflow {id} never reached the expected state: {workflow}{Environment.NewLine}{await InstanceReportAsync(id)}{Describe()}");
            }

            whileWaiting?.Invoke();
            await Task.Delay(10);
        }
    }

    /// <summary>Polls a status URL until it answers 200 or the deadline passes.</summary>
    public async Task<JsonElement> PollUntilDoneAsync(string statusUrl, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? DefaultWait);
        while (true)
        {
            using var response = await Http.GetAsync(statusUrl);
            if (response.StatusCode == System.Net.HttpStatusCode.OK)
            {
                return await response.Content.ReadFromJsonAsync<JsonElement>();
            }

            Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
            Assert.True(DateTime.UtcNow < deadline, $"{statusUrl} did not finish in time.{Describe()}");
            await Task.Delay(20);
        }
    }

    private void DeleteData()
    {
        try
        {
            Directory.Delete(DataPath, recursive: true);
        }
        catch (IOException)
        {
            // A file a dying process still held: the temp folder is the OS's to clean.
        }
    }
}
