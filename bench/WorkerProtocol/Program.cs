using System.Diagnostics;
using System.Reflection;
using LocalRuntime.Functions.Extensibility;
using LocalRuntime.Functions.Hosting;
using LocalRuntime.Functions.Rpc;
using LocalRuntime.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

// Bounded: each phase runs for a fixed time (default 5 s) after a warm-up, on loopback only.
var seconds = args.Length > 0 ? double.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 5;
var phase = TimeSpan.FromSeconds(seconds);
var appDirectory = typeof(Program).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "HostTestAppDirectory").Value!;

var builder = LocalFunctionsHost.CreateBuilder(appDirectory, ["--urls", "http://127.0.0.1:0", "--AzureFunctionsJobHost:logging:logLevel:default=Warning"]);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
await using var host = builder.Build();
await host.StartAsync();
Console.WriteLine($"host {Environment.ProcessId}, worker {host.Worker.ProcessId}, {Environment.ProcessorCount} cores, phase {phase.TotalSeconds:0.#} s");

var activity = host.GetFunction("EchoActivity");
var input = new TypedData { String = "\"x\"" };
Console.WriteLine();
Console.WriteLine("| workload | in flight | ops/s | p50 ms | p99 ms | count |");
Console.WriteLine("|---|---|---|---|---|---|");
await Measure("warm-up", 16, TimeSpan.FromSeconds(2), () => host.InvokeAsync(activity, input, null, CancellationToken.None), print: false);
foreach (var inFlight in new[] { 1, 16, 64 })
{
    await Measure("activity InvokeAsync", inFlight, phase, async () =>
    {
        var response = await host.InvokeAsync(activity, input, null, CancellationToken.None);
        if (response.Result.Status != StatusResult.Types.Status.Success || response.ReturnValue.String != "x")
        {
            throw new InvalidOperationException("Unexpected response.");
        }
    });
}

// HTTP: through the host (Kestrel, routing, YARP, InvocationRequest) beside straight to the worker's HttpUri with the
// invocation sent on the channel directly (no host listener, no proxy hop): the difference is the host's HTTP cost.
using var viaHost = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 256 }) { BaseAddress = host.BaseAddress };
using var direct = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 256 }) { BaseAddress = host.Worker.HttpUri };
var supervisor = host.Services.GetRequiredService<WorkerSupervisor>();
var invoker = host.Services.GetRequiredService<FunctionInvoker>();
var ping = host.GetFunction("Ping");
var emptyHttp = new TypedData { Http = new RpcHttp() };

async Task ViaHostAsync()
{
    using var response = await viaHost.GetAsync("api/Ping");
    if (!response.IsSuccessStatusCode || await response.Content.ReadAsStringAsync() != "pong")
    {
        throw new InvalidOperationException($"Unexpected {response.StatusCode}.");
    }
}

async Task DirectAsync()
{
    var worker = await supervisor.GetReadyAsync(CancellationToken.None);
    var loaded = FunctionInvoker.Resolve(worker, ping);
    var context = new InvocationContext(ping, FunctionInvoker.NewInvocationId(), null);
    var request = invoker.CreateRequest(loaded, context, emptyHttp, new Dictionary<string, TypedData> { ["Query"] = new() { Json = "{}" }, ["Headers"] = new() { Json = "{}" } });
    using var message = new HttpRequestMessage(HttpMethod.Get, "api/Ping");
    message.Headers.Add("x-ms-invocation-id", context.InvocationId);
    var http = direct.SendAsync(message);
    var invocation = worker.Channel.InvokeAsync(loaded, request, CancellationToken.None);
    using var response = await http;
    await invocation;
    if (!response.IsSuccessStatusCode || await response.Content.ReadAsStringAsync() != "pong")
    {
        throw new InvalidOperationException($"Unexpected {response.StatusCode}.");
    }
}

await Measure("warm-up", 16, TimeSpan.FromSeconds(2), ViaHostAsync, print: false);
await Measure("warm-up", 16, TimeSpan.FromSeconds(2), DirectAsync, print: false);
foreach (var inFlight in new[] { 1, 16 })
{
    await Measure("HTTP GET /api/Ping via host", inFlight, phase, ViaHostAsync);
    await Measure("HTTP GET straight to worker (raw)", inFlight, phase, DirectAsync);
}

await host.StopAsync();
return 0;

static async Task Measure(string name, int inFlight, TimeSpan duration, Func<Task> operation, bool print = true)
{
    var latencies = new List<double>[inFlight];
    var stopAt = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
    var started = Stopwatch.GetTimestamp();
    var loops = Enumerable.Range(0, inFlight).Select(async i =>
    {
        var mine = latencies[i] = new List<double>(100_000);
        while (Stopwatch.GetTimestamp() < stopAt)
        {
            var t0 = Stopwatch.GetTimestamp();
            await operation();
            mine.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        }
    }).ToArray();
    await Task.WhenAll(loops);
    var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
    var all = latencies.SelectMany(l => l).Order().ToArray();
    if (print)
    {
        Console.WriteLine($"| {name} | {inFlight} | {all.Length / elapsed:N0} | {Percentile(all, 0.50):0.000} | {Percentile(all, 0.99):0.000} | {all.Length:N0} |");
    }
}

static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];
