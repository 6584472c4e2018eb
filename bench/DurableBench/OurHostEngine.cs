using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Reflection;
using System.Text;
using System.Text.Json;
using Grpc.Net.Client;
using LocalRuntime.Durable.Hosting;
using LocalRuntime.Functions.Extensibility;
using LocalRuntime.Functions.Hosting;
using LocalRuntime.Functions.Rpc;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Client.Grpc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DurableBench;

/// <summary>
/// Our host: DurableTestApp's build output in its real worker process on an in-process <see cref="LocalFunctionsHost"/>
/// with the Durable extension (DTFx TaskHubWorker dispatching into the worker), on SQLite or on Azure Storage (Azurite).
/// Submits go over loopback HTTP to the app's starter (<c>POST /api/start/{name}</c>: the worker's own DurableTaskClient
/// on our gRPC sidecar); completion is polled through the same sidecar with Microsoft's gRPC client.
/// </summary>
internal sealed class OurHostEngine : IEngine
{
    private readonly LocalFunctionsHost _host;
    private readonly HttpClient _http;
    private readonly DurableTaskClient _client;
    private readonly StampListener _stamps;
    private readonly string _dataPath;
    private readonly TimeSpan _poll;
    private readonly TimeSpan _finishedPoll;

    private OurHostEngine(string name, LocalFunctionsHost host, StampListener stamps, string dataPath, TimeSpan poll)
    {
        Name = name;
        _host = host;
        _stamps = stamps;
        _dataPath = dataPath;
        _poll = poll;
        _finishedPoll = poll > TimeSpan.FromMilliseconds(20) ? TimeSpan.FromMilliseconds(20) : TimeSpan.FromMilliseconds(5);
        _http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
        _client = CreateClient(host);
    }

    public string Name { get; }

    public LocalFunctionsHost Host => _host;

    public int WorkerProcessId => _host.Worker.ProcessId;

    /// <summary>Starts the host. <paramref name="azureConnection"/> null = SQLite in a temp folder; else Azure Storage with a fresh hub.</summary>
    public static async Task<OurHostEngine> StartAsync(string name, string? azureConnection)
    {
        var appDirectory = typeof(OurHostEngine).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "DurableTestAppDirectory").Value!;
        var dataPath = Path.Combine(Path.GetTempPath(), "durablebench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dataPath);
        var stamps = new StampListener();
        List<string> args =
        [
            "--urls", "http://127.0.0.1:0",
            "--LocalRuntime:DataPath", dataPath,
            "--LocalRuntime:Host:WorkerEnvironment:TESTAPP_STAMP_PORT", stamps.Port.ToString(CultureInfo.InvariantCulture),
            "--AzureFunctionsJobHost:logging:logLevel:default", "Warning",
        ];
        if (azureConnection is null)
        {
            args.AddRange(["--LocalRuntime:DurableStore", "sqlite"]);
        }
        else
        {
            args.AddRange(
            [
                "--LocalRuntime:DurableStore", "azurestorage",
                "--AzureWebJobsStorage", azureConnection,
                "--AzureFunctionsJobHost:extensions:durableTask:hubName", "bench" + Guid.NewGuid().ToString("N")[..10],
            ]);
        }

        var builder = LocalFunctionsHost.CreateBuilder(appDirectory, [.. args]);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // Messages for instances a run limit terminated are discarded with a warning each: not news here.
        builder.Logging.AddFilter("DurableTask", LogLevel.Error);
        builder.Services.AddDurableTask(builder.Configuration);
        var host = builder.Build();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await host.StartAsync(timeout.Token);
        // Azure Storage answers status queries from a table: a poll every 20 ms would be load of its own.
        return new OurHostEngine(name, host, stamps, dataPath, azureConnection is null ? TimeSpan.FromMilliseconds(20) : TimeSpan.FromMilliseconds(100));
    }

    public Task<RunResult> FanOutAsync(int n, string id, TimeSpan limit) => RunAsync("FanOut", n, id, limit);

    public Task<RunResult> ChainAsync(int n, string id, TimeSpan limit) => RunAsync("Chain", n, id, limit);

    /// <summary>The same fan-out split into sub-orchestrations of 1,000 (DurableTestApp's FanOutNested).</summary>
    public Task<RunResult> FanOutNestedAsync(int n, string id, TimeSpan limit) => RunAsync("FanOutNested", n, id, limit);

    public async Task<IReadOnlyList<Latency>> LatencyAsync(int count, string idPrefix, TimeSpan limit)
    {
        var results = new List<Latency>(count);
        var deadline = Waits.Deadline(limit);
        for (var i = 0; i < count && Stopwatch.GetTimestamp() < deadline; i++)
        {
            var id = $"{idPrefix}-{i}";
            var stamp = _stamps.Expect(id);
            var started = Stopwatch.GetTimestamp();
            using (var response = await _http.PostAsync($"api/start/FirstStamp?id={Uri.EscapeDataString(id)}", null))
            {
                if (response.StatusCode != HttpStatusCode.Accepted)
                {
                    throw new InvalidOperationException($"start FirstStamp: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                }
            }

            var accepted = Stopwatch.GetTimestamp();
            long at;
            try
            {
                at = await stamp.WaitAsync(TimeSpan.FromSeconds(60));
            }
            catch (TimeoutException)
            {
                _stamps.Forget(id);
                Console.Error.WriteLine($"    [{Name}] {id}: no activity start within 60 s");
                continue;
            }

            results.Add(new Latency(Waits.Milliseconds(started, at), Waits.Milliseconds(started, accepted)));
            // Sequential: the next submission waits until this orchestration finished. On Azure Storage every status read is a
            // table query in Azurite: poll as the in-process DTFx baseline does (20 ms), not at 5 ms (200 queries/s of load of its own).
            await Waits.PollAsync(async () => await IsFinishedAsync(id), Waits.Deadline(TimeSpan.FromSeconds(60)), _finishedPoll);
        }

        return results;
    }

    /// <summary>
    /// The raw ceiling: the <c>Work</c> activity invoked straight through <see cref="IFunctionsHost.InvokeAsync"/> (the call
    /// WorkerDispatcher makes per activity, minus DTFx and the store), <paramref name="inFlight"/> at a time.
    /// </summary>
    public async Task<(double PerSecond, double P50, double P99)> RawAsync(int count, int inFlight)
    {
        var function = _host.GetFunction("Work");
        var metadata = new Dictionary<string, TypedData> { ["instanceId"] = new() { String = "raw" } };
        var latencies = new double[count];
        var next = -1;
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, inFlight).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var t0 = Stopwatch.GetTimestamp();
                var input = new TypedData { String = $"{{\"InstanceId\":\"raw\",\"Index\":{i % 1000}}}" };
                var response = await _host.InvokeAsync(function, input, metadata, CancellationToken.None);
                if (response.Result.Status != StatusResult.Types.Status.Success)
                {
                    throw new InvalidOperationException($"Work failed: {response.Result.Exception?.Message}");
                }

                latencies[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            }
        }));
        var seconds = Waits.Seconds(started);
        Array.Sort(latencies);
        return (count / seconds, Stats.Percentile(latencies, 0.50), Stats.Percentile(latencies, 0.99));
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (_client is IAsyncDisposable client)
        {
            await client.DisposeAsync();
        }

        await _host.DisposeAsync();
        _stamps.Dispose();
        try
        {
            Directory.Delete(_dataPath, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless.
        }
    }

    private async Task<RunResult> RunAsync(string orchestrator, int n, string id, TimeSpan limit)
    {
        var worker = Process.GetProcessById(WorkerProcessId);
        var sqlite = _host.Services.GetRequiredService<DurableExtension>().Service as LocalRuntime.Sqlite.SqliteOrchestrationService;
        var (checkpoints, transactions) = (sqlite?.CheckpointsCommitted ?? 0, sqlite?.TransactionsCommitted ?? 0);
        var hostCpu = Process.GetCurrentProcess().TotalProcessorTime;
        var workerCpu = worker.TotalProcessorTime;
        var started = Stopwatch.GetTimestamp();
        using (var response = await _http.PostAsync($"api/start/{orchestrator}?id={Uri.EscapeDataString(id)}",
                   new StringContent(n.ToString(CultureInfo.InvariantCulture), Encoding.UTF8, "application/json")))
        {
            if (response.StatusCode != HttpStatusCode.Accepted)
            {
                throw new InvalidOperationException($"start {orchestrator}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
        }

        var finished = await Waits.PollAsync(async () => await IsFinishedAsync(id), Waits.Deadline(limit), _poll);
        var seconds = Waits.Seconds(started);
        worker.Refresh();
        var detail = string.Create(CultureInfo.InvariantCulture,
            $"cpu host+bench {(Process.GetCurrentProcess().TotalProcessorTime - hostCpu).TotalSeconds:F1} s, worker {(worker.TotalProcessorTime - workerCpu).TotalSeconds:F1} s");
        if (sqlite is not null)
        {
            detail += string.Create(CultureInfo.InvariantCulture, $", {sqlite.CheckpointsCommitted - checkpoints} checkpoints, {sqlite.TransactionsCommitted - transactions} transactions");
        }
        if (!finished)
        {
            var done = await CountCompletedActivitiesAsync(id);
            try
            {
                await _client.TerminateInstanceAsync(id, "benchmark run limit");
            }
            catch (Grpc.Core.RpcException ex) when (ex.StatusCode == Grpc.Core.StatusCode.FailedPrecondition)
            {
                // It finished between the last poll and the limit: still reported as over the limit.
            }

            return new RunResult(seconds, done, n, Completed: false, detail);
        }

        var state = await _client.GetInstanceAsync(id, getInputsAndOutputs: true);
        var ok = state?.RuntimeStatus == OrchestrationRuntimeStatus.Completed && state.SerializedOutput == Waits.ExpectedSum(n).ToString(CultureInfo.InvariantCulture);
        if (!ok)
        {
            detail += $"; status {state?.RuntimeStatus}, output {state?.SerializedOutput}, failure {state?.FailureDetails?.ErrorMessage}";
        }

        return new RunResult(seconds, ok ? n : -1, n, ok, detail);
    }

    private async Task<bool> IsFinishedAsync(string id)
    {
        var state = await _client.GetInstanceAsync(id, getInputsAndOutputs: false);
        return state?.RuntimeStatus is OrchestrationRuntimeStatus.Completed or OrchestrationRuntimeStatus.Failed or OrchestrationRuntimeStatus.Terminated;
    }

    /// <summary>TaskCompleted events in the instance's history, from the management API (only after a run hit its limit).</summary>
    private async Task<int> CountCompletedActivitiesAsync(string id)
    {
        try
        {
            using var response = await _http.GetAsync($"runtime/webhooks/durabletask/instances/{Uri.EscapeDataString(id)}?showHistory=true");
            using var document = JsonDocument.Parse(await response.Content.ReadAsStreamAsync());
            return document.RootElement.TryGetProperty("historyEvents", out var history)
                ? history.EnumerateArray().Count(e => e.TryGetProperty("EventType", out var type) && type.GetString() == "TaskCompleted")
                : -1;
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or TaskCanceledException)
        {
            return -1;
        }
    }

    /// <summary>Microsoft's gRPC Durable client on the host's sidecar, configured from the very binding payload the worker receives.</summary>
    private static GrpcDurableTaskClient CreateClient(LocalFunctionsHost host)
    {
        var function = host.Functions.First(f => f.Bindings.Any(b => string.Equals(b.Type, "durableClient", StringComparison.OrdinalIgnoreCase)));
        var binding = function.Bindings.First(b => string.Equals(b.Type, "durableClient", StringComparison.OrdinalIgnoreCase));
        var payload = host.Services.GetRequiredService<DurableExtension>().BindInput(binding, new InvocationContext(function, Guid.NewGuid().ToString(), null));
        using var document = JsonDocument.Parse(payload.String);
        var hub = document.RootElement.GetProperty("taskHubName").GetString()!;
        var address = document.RootElement.GetProperty("rpcBaseUrl").GetString()!;
        var http = new HttpClient();
        http.DefaultRequestHeaders.Add("Durable-TaskHub", hub);
        var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpClient = http, DisposeHttpClient = true });
        return new GrpcDurableTaskClient(hub, new GrpcDurableTaskClientOptions { Channel = channel }, NullLogger.Instance);
    }
}
