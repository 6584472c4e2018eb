using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Reflection;
using System.Text;
using System.Text.Json;
using LocalRuntime.Functions.Hosting;
using Microsoft.Extensions.Logging;
using ServerlessTasks.ReferenceWorker;

// Usage: dotnet run -c Release --project bench/LeaseBench -- [--tasks 10000] [--workers 4] [--concurrency 16]
// One workflow of N tasks of an external type ("bench-lease", 0 ms of work each), leased by W reference workers (the
// ReferenceWorker's WorkerLoop and WorkerClient, in this process, each its own HttpClient, max_concurrent_tasks C,
// 20 s long-polls) against the real app in its real worker on LocalRuntime's host (SQLite everywhere, temp folder);
// then, in the same run, the same N tasks as built-in echo activities (the baseline). Prints a markdown table: wall time
// submit -> workflow completed, tasks/s, and the latency of lease calls that returned tasks (p50/p99) and of all lease calls.
var tasks = Option("--tasks", 10_000);
var workerCount = Option("--workers", 4);
var concurrency = Option("--concurrency", 16);

var folder = Path.Combine(Path.GetTempPath(), "leasebench-" + Guid.NewGuid().ToString("N")[..8]);
Directory.CreateDirectory(folder);
var appDirectory = Assembly.GetEntryAssembly()!.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "AppDirectory").Value!;
string[] worker =
[
    "TaskIndex__Provider", "sqlite",
    "TaskIndex__Path", Path.Combine(folder, "tasks.db"),
    "Webhooks__StorePath", Path.Combine(folder, "callbacks.db"),
    "Logging__LogLevel__Default", "Warning",
];
// Development: with no function keys configured the worker endpoints need none (as in the app tests).
Environment.SetEnvironmentVariable("AZURE_FUNCTIONS_ENVIRONMENT", "Development");
var builder = LocalFunctionsHost.CreateBuilder(appDirectory,
[
    "--urls", "http://127.0.0.1:0",
    "--LocalRuntime:DataPath", folder,
    "--AzureFunctionsJobHost:logging:logLevel:default", "Warning",
    .. worker.Chunk(2).SelectMany(s => new[] { $"--LocalRuntime:Host:WorkerEnvironment:{s[0]}", s[1] }),
]);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
LocalRuntime.Host.Composition.AddExtensions(builder);
var app = builder.Build();
await app.StartAsync();
Console.Error.WriteLine($"host {Environment.ProcessId}, worker {app.Worker.ProcessId}, {Environment.ProcessorCount} cores, load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}, data {folder}");
using var http = new HttpClient { BaseAddress = app.BaseAddress, Timeout = TimeSpan.FromMinutes(5) };

var rows = new List<string>
{
    "| run | tasks | workers x slots | submit -> completed | tasks/s | lease p50 / p99 (calls with tasks) | lease calls (with tasks) | tasks per lease call |",
    "|---|---|---|---|---|---|---|---|",
};

// Warm-up: both paths once, small.
await RunWorkersAsync("warm-ext", 200);
await RunEchoAsync("warm-echo", 200);

var external = await RunWorkersAsync("ext", tasks);
rows.Add(external);
var echo = await RunEchoAsync("echo", tasks);
rows.Add(echo);
Console.WriteLine(string.Join(Environment.NewLine, rows));
await app.StopAsync();
await app.DisposeAsync();
try
{
    Directory.Delete(folder, recursive: true);
}
catch (IOException)
{
}

return 0;

async Task<string> RunWorkersAsync(string name, int count)
{
    var latencies = new List<double>();
    var all = new List<double>();
    using var stop = new CancellationTokenSource();
    var loops = new List<(WorkerLoop Loop, HttpClient Client, Task Run)>();
    for (var i = 0; i < workerCount; i++)
    {
        var options = new WorkerOptions($"{name}-w{i}", ["bench-lease"], app.BaseAddress, concurrency, WaitSeconds: 20, DrainTimeout: 30);
        var client = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var loop = new WorkerLoop(options, new WorkerClient(client, options), TextWriter.Null, (elapsed, leased) =>
        {
            lock (latencies)
            {
                all.Add(elapsed.TotalMilliseconds);
                if (leased > 0)
                {
                    latencies.Add(elapsed.TotalMilliseconds);
                }
            }
        });
        loops.Add((loop, client, loop.RunAsync(stop.Token)));
    }

    var elapsed = await RunWorkflowAsync($"{name}-{count}", count, "bench-lease", """{"duration_ms":0}""");
    await stop.CancelAsync();
    await Task.WhenAll(loops.Select(l => l.Run));
    foreach (var (loop, client, _) in loops)
    {
        loop.Dispose();
        client.Dispose();
    }

    latencies.Sort();
    all.Sort();
    return string.Create(CultureInfo.InvariantCulture,
        $"| external ({name}) | {count:N0} | {workerCount} x {concurrency} | {elapsed.TotalSeconds:0.0} s | {count / elapsed.TotalSeconds:N0} | {Percentile(latencies, 0.5):0.0} / {Percentile(latencies, 0.99):0.0} ms | {all.Count:N0} ({latencies.Count:N0}) | {(latencies.Count == 0 ? 0 : (double)count / latencies.Count):0.0} |");
}

async Task<string> RunEchoAsync(string name, int count)
{
    var elapsed = await RunWorkflowAsync($"{name}-{count}", count, "echo", """{"v":1}""");
    return string.Create(CultureInfo.InvariantCulture,
        $"| built-in echo, same run ({name}) | {count:N0} | - | {elapsed.TotalSeconds:0.0} s | {count / elapsed.TotalSeconds:N0} | - | - | - |");
}

async Task<TimeSpan> RunWorkflowAsync(string id, int count, string type, string payload)
{
    var body = new StringBuilder($$"""{"workflow_id":"{{id}}","tasks":[""");
    for (var i = 0; i < count; i++)
    {
        body.Append(i == 0 ? string.Empty : ",").Append(CultureInfo.InvariantCulture, $$"""{"task_id":"t{{i}}","task_type":"{{type}}","payload":{{payload}}}""");
    }

    body.Append("]}");
    var watch = Stopwatch.StartNew();
    using (var submit = await http.PostAsync("/api/workflows", new StringContent(body.ToString(), Encoding.UTF8, "application/json")))
    {
        if (!submit.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"submit {id}: {(int)submit.StatusCode} {await submit.Content.ReadAsStringAsync()}");
        }
    }

    var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(15);
    while (true)
    {
        var status = await http.GetFromJsonAsync<JsonElement>($"/runtime/webhooks/durabletask/instances/{id}");
        var runtime = status.GetProperty("runtimeStatus").GetString();
        if (runtime is "Completed" or "Failed" or "Terminated")
        {
            Console.Error.WriteLine($"{id}: {runtime} in {watch.Elapsed.TotalSeconds:0.0} s");
            return watch.Elapsed;
        }

        if (DateTime.UtcNow > deadline)
        {
            throw new TimeoutException($"{id} did not finish in 15 minutes: {status}");
        }

        await Task.Delay(100);
    }
}

static double Percentile(List<double> sorted, double p) => sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

int Option(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}
