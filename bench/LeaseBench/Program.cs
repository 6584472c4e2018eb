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
// One workflow of N tasks of an external type (0 ms of work each), leased by W reference workers (the ReferenceWorker's
// WorkerLoop and WorkerClient, in this process, each its own HttpClient, max_concurrent_tasks C, 20 s long-polls)
// against the real app in its real worker on LocalRuntime's host (SQLite everywhere, temp folder), three ways in one run:
//  - external: the workers poll while the workflow is submitted (submit -> completed; a lease call that returns tasks
//    includes its long-poll wait for them, so its latency there is mostly the arrival gap);
//  - backlog: the N tasks are queued first (no worker offers the type yet), then the workers start: every lease call
//    finds work waiting, so its latency is the lease itself (HTTP path + store step), the PERFORMANCE.md target 6 figure;
//  - built-in echo: the same N tasks as activities (the baseline).
// Prints a markdown table: wall time, tasks/s, lease latency p50/p99 of calls that returned tasks, CPU seconds of this
// process (host + the in-process workers) and of the app's worker process, and the 1-minute load average.
var tasks = Option("--tasks", 10_000);
var workerCount = Option("--workers", 4);
var concurrency = Option("--concurrency", 16);
var probes = Option("--probes", 200);
var probeRow = string.Empty;

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
    "| run | tasks | workers x slots | wall | tasks/s | lease p50 / p99 (calls with tasks) | lease calls (with tasks) | tasks per lease call | CPU s host+workers / app | load |",
    "|---|---|---|---|---|---|---|---|---|---|",
};

// Warm-up: both paths once, small.
await RunWorkersAsync("warm-ext", 200);
await RunEchoAsync("warm-echo", 200);

rows.Add(await MeasureAsync(() => RunWorkersAsync("ext", tasks)));
rows.Add(await MeasureAsync(() => RunBacklogAsync("backlog", tasks + probes)));
rows.Add(probeRow);
rows.Add(await MeasureAsync(() => RunEchoAsync("echo", tasks)));
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

async Task<string> MeasureAsync(Func<Task<string>> run)
{
    using var self = Process.GetCurrentProcess();
    using var worker = Process.GetProcessById(app.Worker.ProcessId);
    var (hostBefore, appBefore) = (self.TotalProcessorTime, worker.TotalProcessorTime);
    var row = await run();
    self.Refresh();
    worker.Refresh();
    return row + string.Create(CultureInfo.InvariantCulture,
        $" {(self.TotalProcessorTime - hostBefore).TotalSeconds:0.0} / {(worker.TotalProcessorTime - appBefore).TotalSeconds:0.0} | {File.ReadAllText("/proc/loadavg").Split(' ')[0]} |");
}

async Task<string> RunWorkersAsync(string name, int count)
{
    var (elapsed, leases) = await WithWorkersAsync(name, "bench-lease", () => RunWorkflowAsync($"{name}-{count}", count, "bench-lease", """{"duration_ms":0}"""));
    return Row($"external, polling while submitted ({name})", count, elapsed, leases);
}

async Task<string> RunBacklogAsync(string name, int count)
{
    // Queue everything first: no worker offers the type until the queue holds all N.
    var id = $"{name}-{count}";
    var (submitted, completion) = await SubmitAsync(id, count, "bench-backlog", """{"duration_ms":0}""");
    var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(15);
    while (true)
    {
        var health = await http.GetFromJsonAsync<JsonElement>("/api/health");
        var waiting = health.GetProperty("checks").GetProperty("work_queue").GetProperty("data").GetProperty("waiting_by_type");
        if (waiting.TryGetProperty("bench-backlog", out var queued) && queued.GetInt32() == count)
        {
            break;
        }

        if (DateTime.UtcNow > deadline)
        {
            throw new TimeoutException($"{id}: the queue never held all {count} tasks: {waiting}");
        }

        await Task.Delay(200);
    }

    Console.Error.WriteLine($"{id}: {count} queued in {submitted.Elapsed.TotalSeconds:0.0} s");
    probeRow = await ProbeAsync("bench-backlog", probes);
    var (elapsed, leases) = await WithWorkersAsync(name, "bench-backlog", completion);
    return Row($"external, {count - probes:N0} queued first ({name}); wall = workers start -> completed", count - probes, elapsed, leases);
}

// One call at a time against the queued backlog, nothing else running: lease (max_tasks 1, wait 0) then complete, and
// GET /api/workers (one store read through the same HTTP path) as the floor of any call.
async Task<string> ProbeAsync(string taskType, int n)
{
    var options = new WorkerOptions("probe", [taskType], app.BaseAddress, 1, WaitSeconds: 0, DrainTimeout: 1);
    using var client = new HttpClient();
    var worker = new WorkerClient(client, options);
    await worker.RegisterAsync(CancellationToken.None);
    var (lease, complete, read) = (new List<double>(), new List<double>(), new List<double>());
    for (var i = 0; i < n; i++)
    {
        var watch = Stopwatch.StartNew();
        var task = Assert(await worker.LeaseAsync(1, 0, CancellationToken.None));
        lease.Add(watch.Elapsed.TotalMilliseconds);
        watch.Restart();
        if (!await worker.CompleteAsync(task.LeaseToken, System.Text.Json.Nodes.JsonValue.Create(i), CancellationToken.None))
        {
            throw new InvalidOperationException($"probe: the completion of {task.TaskId} was refused");
        }

        complete.Add(watch.Elapsed.TotalMilliseconds);
        watch.Restart();
        using (var list = await http.GetAsync("/api/workers"))
        {
            list.EnsureSuccessStatusCode();
        }

        read.Add(watch.Elapsed.TotalMilliseconds);
    }

    await worker.DeregisterAsync(CancellationToken.None);
    lease.Sort();
    complete.Sort();
    read.Sort();
    return string.Create(CultureInfo.InvariantCulture,
        $"| sequential probe, {n} x (lease 1 from the backlog, complete it, GET /api/workers) | {n} | 1 x 1 | - | - | {Percentile(lease, 0.5):0.0} / {Percentile(lease, 0.99):0.0} ms; complete {Percentile(complete, 0.5):0.0} / {Percentile(complete, 0.99):0.0} ms; GET /api/workers {Percentile(read, 0.5):0.0} / {Percentile(read, 0.99):0.0} ms | {n} | 1.0 | - | {File.ReadAllText("/proc/loadavg").Split(' ')[0]} |");

    static LeasedTask Assert(IReadOnlyList<LeasedTask>? tasks) =>
        tasks is [var one] ? one : throw new InvalidOperationException($"probe: a lease from the backlog returned {tasks?.Count.ToString(CultureInfo.InvariantCulture) ?? "unknown worker"}");
}

string Row(string run, int count, TimeSpan elapsed, (List<double> WithTasks, int Calls) leases) => string.Create(CultureInfo.InvariantCulture,
    $"| {run} | {count:N0} | {workerCount} x {concurrency} | {elapsed.TotalSeconds:0.0} s | {count / elapsed.TotalSeconds:N0} | {Percentile(leases.WithTasks, 0.5):0.0} / {Percentile(leases.WithTasks, 0.99):0.0} ms | {leases.Calls:N0} ({leases.WithTasks.Count:N0}) | {(leases.WithTasks.Count == 0 ? 0 : (double)count / leases.WithTasks.Count):0.0} |");

async Task<(TimeSpan Elapsed, (List<double> WithTasks, int Calls) Leases)> WithWorkersAsync(string name, string taskType, Func<Task<TimeSpan>> workload)
{
    var latencies = new List<double>();
    var all = new List<double>();
    using var stop = new CancellationTokenSource();
    var loops = new List<(WorkerLoop Loop, HttpClient Client, Task Run)>();
    for (var i = 0; i < workerCount; i++)
    {
        var options = new WorkerOptions($"{name}-w{i}", [taskType], app.BaseAddress, concurrency, WaitSeconds: 20, DrainTimeout: 30);
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

    var watch = Stopwatch.StartNew();
    var workflow = await workload();
    var elapsed = watch.Elapsed < workflow ? watch.Elapsed : workflow;
    await stop.CancelAsync();
    await Task.WhenAll(loops.Select(l => l.Run));
    foreach (var (loop, client, _) in loops)
    {
        loop.Dispose();
        client.Dispose();
    }

    latencies.Sort();
    return (elapsed, (latencies, all.Count));
}

async Task<string> RunEchoAsync(string name, int count)
{
    var elapsed = await RunWorkflowAsync($"{name}-{count}", count, "echo", """{"v":1}""");
    return string.Create(CultureInfo.InvariantCulture,
        $"| built-in echo, same run ({name}) | {count:N0} | - | {elapsed.TotalSeconds:0.0} s | {count / elapsed.TotalSeconds:N0} | - | - | - |");
}

async Task<TimeSpan> RunWorkflowAsync(string id, int count, string type, string payload)
{
    var (_, completion) = await SubmitAsync(id, count, type, payload);
    return await completion();
}

// Submits; the function returned waits for the workflow and gives the time from submit to completed.
async Task<(Stopwatch Watch, Func<Task<TimeSpan>> Completion)> SubmitAsync(string id, int count, string type, string payload)
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

    return (watch, () => WaitAsync(id, watch));
}

async Task<TimeSpan> WaitAsync(string id, Stopwatch watch)
{
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
