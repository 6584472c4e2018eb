using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Reflection;
using System.Text.Json;
using LocalRuntime.Functions.Hosting;
using Microsoft.Extensions.Logging;

// Usage: dotnet run -c Release --project bench/RedriveBench -- [--tasks 200] [--runs 3] [--parallel 16]
// Runs the real app (bin/<Configuration>/net10.0 of ServerlessTasks.csproj) in its real worker process on LocalRuntime's
// host in this process, 127.0.0.1 only, every store in a temp folder. Each run:
//   1. submit N single `fail` tasks (fail_times 1, max_retries 0: attempt 1 fails, so each is dead-lettered) with
//      --parallel requests in flight, and wait until every one is failed: the baseline, one orchestration run per task;
//   2. redrive half of them by filter (POST /api/dead-letters/tasks/redrive) and the other half one request each
//      (POST /api/tasks/{id}/redrive, --parallel in flight), and wait until every one is completed (attempt 2).
// Times each phase (wall, and CPU seconds of this process = host + bench client, and of the worker), the filter
// call and the per-task redrive calls (p50/p99), and checks each task completed exactly once more (attempts 2,
// result from attempt 2, one `redriven` event). Prints the load average beside every figure; stops by itself.
var tasks = Arg("--tasks", 200);
var runs = Arg("--runs", 3);
var parallel = Arg("--parallel", 16);
var folder = Path.Combine(Path.GetTempPath(), "redrivebench-" + Guid.NewGuid().ToString("N")[..8]);
Directory.CreateDirectory(folder);
var appDirectory = Assembly.GetEntryAssembly()!.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "AppDirectory").Value!;
Environment.SetEnvironmentVariable("AZURE_FUNCTIONS_ENVIRONMENT", "Production");
string[] worker =
[
    "--LocalRuntime:Host:WorkerEnvironment:TaskIndex__Provider", "sqlite",
    "--LocalRuntime:Host:WorkerEnvironment:TaskIndex__Path", Path.Combine(folder, "tasks.db"),
    "--LocalRuntime:Host:WorkerEnvironment:Webhooks__StorePath", Path.Combine(folder, "callbacks.db"),
    "--LocalRuntime:Host:WorkerEnvironment:Logging__LogLevel__Default", "Warning",
];
var builder = LocalFunctionsHost.CreateBuilder(appDirectory,
[
    "--urls", "http://127.0.0.1:0",
    "--LocalRuntime:DataPath", folder,
    "--AzureFunctionsJobHost:logging:logLevel:default", "Warning",
    .. worker,
]);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
LocalRuntime.Host.Composition.AddExtensions(builder);
var app = builder.Build();
await app.StartAsync();
using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = app.BaseAddress, Timeout = TimeSpan.FromMinutes(5) };
Console.Error.WriteLine($"host {Environment.ProcessId}, worker {app.Worker.ProcessId}, {Environment.ProcessorCount} cores, load {LoadAverage()}, data {folder}");

// Warm-up: the whole path once (submit, fail, redrive both ways, complete).
await RunAsync("warmup", 8, print: false);
Console.WriteLine("| run | tasks | submit -> all failed (baseline) | CPU host+bench / worker | redrive -> all completed | CPU host+bench / worker | redrive / baseline (wall, CPU) | filter call (N/2 tasks) | one-task call p50 / p99 | checked | load |");
Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|");
for (var run = 1; run <= runs; run++)
{
    await RunAsync($"r{run}", tasks, print: true);
}

await app.StopAsync();
try
{
    Directory.Delete(folder, recursive: true);
}
catch (IOException)
{
    // A file the stopped worker still held: the temp folder is the OS's to clean.
}

async Task RunAsync(string name, int count, bool print)
{
    var ids = Enumerable.Range(0, count).Select(i => $"{name}-{i:D5}").ToList();
    var loadBefore = LoadAverage();
    var since = DateTimeOffset.UtcNow.AddSeconds(-1);
    var cpu0 = Cpu();
    var started = Stopwatch.GetTimestamp();
    await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = parallel }, async (id, token) =>
    {
        using var response = await http.PostAsJsonAsync("/api/tasks", new { task_id = id, task_type = "fail", payload = new { fail_times = 1 }, max_retries = 0 }, token);
        Check(response.StatusCode == HttpStatusCode.Accepted, $"submit {id}: {(int)response.StatusCode}");
    });
    await WaitAllAsync(ids, "failed");
    var baseline = Stopwatch.GetElapsedTime(started);
    var cpu1 = Cpu();

    // Half by filter (the N/2 of this run the index saw first), the other half one request each.
    var half = count / 2;
    HashSet<string> byFilter;
    started = Stopwatch.GetTimestamp();
    var filterCall = Stopwatch.GetTimestamp();
    using (var response = await http.PostAsJsonAsync("/api/dead-letters/tasks/redrive", new { task_type = "fail", failed_since = since, limit = half }))
    {
        Check(response.StatusCode == HttpStatusCode.Accepted, $"filter redrive: {(int)response.StatusCode}");
        var report = await response.Content.ReadFromJsonAsync<JsonElement>();
        byFilter = report.GetProperty("redriven").EnumerateArray().Select(r => r.GetProperty("task_id").GetString()!).ToHashSet(StringComparer.Ordinal);
        Check(byFilter.Count == half && byFilter.IsSubsetOf(ids), $"filter redrove {byFilter.Count} of this run's tasks, expected {half}");
    }

    var one = ids.Where(id => !byFilter.Contains(id)).ToList();

    var filterElapsed = Stopwatch.GetElapsedTime(filterCall);
    var calls = new List<double>();
    await Parallel.ForEachAsync(one, new ParallelOptions { MaxDegreeOfParallelism = parallel }, async (id, token) =>
    {
        var call = Stopwatch.GetTimestamp();
        using var response = await http.PostAsync($"/api/tasks/{id}/redrive", null, token);
        var ms = Stopwatch.GetElapsedTime(call).TotalMilliseconds;
        Check(response.StatusCode == HttpStatusCode.Accepted, $"redrive {id}: {(int)response.StatusCode}");
        lock (calls)
        {
            calls.Add(ms);
        }
    });
    await WaitAllAsync(ids, "completed");
    var redrive = Stopwatch.GetElapsedTime(started);
    var cpu2 = Cpu();

    // Exactly once more: attempt 2 ran and committed, one redriven event, nothing else repeated.
    foreach (var id in ids)
    {
        var task = await http.GetFromJsonAsync<JsonElement>($"/api/tasks/{id}");
        Check(task.GetProperty("attempts").GetInt32() == 2 && task.GetProperty("redrives").GetInt32() == 1
            && task.GetProperty("result").GetProperty("succeeded_on_attempt").GetInt32() == 2, $"{id}: {task}");
        var events = (await http.GetFromJsonAsync<JsonElement>($"/api/tasks/{id}/events")).GetProperty("events").EnumerateArray()
            .Select(e => e.GetProperty("kind").GetString()).ToList();
        Check(events.Count(k => k == "redriven") == 1 && events.Count(k => k == "completed") == 1 && events.Count(k => k == "failed") == 1, $"{id}: {string.Join(',', events)}");
    }

    if (!print)
    {
        return;
    }

    calls.Sort();
    var baseCpu = (cpu1.Host - cpu0.Host + cpu1.Worker - cpu0.Worker).TotalSeconds;
    var redriveCpu = (cpu2.Host - cpu1.Host + cpu2.Worker - cpu1.Worker).TotalSeconds;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {name} | {count} | {baseline.TotalSeconds:F2} s | {(cpu1.Host - cpu0.Host).TotalSeconds:F1} / {(cpu1.Worker - cpu0.Worker).TotalSeconds:F1} s | {redrive.TotalSeconds:F2} s | {(cpu2.Host - cpu1.Host).TotalSeconds:F1} / {(cpu2.Worker - cpu1.Worker).TotalSeconds:F1} s | {redrive.TotalSeconds / baseline.TotalSeconds:F2}, {redriveCpu / baseCpu:F2} | {filterElapsed.TotalMilliseconds:N0} ms | {Percentile(calls, 0.5):N1} / {Percentile(calls, 0.99):N1} ms | {count} x attempts 2, 1 redriven | {loadBefore} -> {LoadAverage()} |"));
}

async Task WaitAllAsync(List<string> ids, string status)
{
    var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(10);
    var left = new HashSet<string>(ids, StringComparer.Ordinal);
    while (left.Count > 0)
    {
        Check(DateTime.UtcNow < deadline, $"{left.Count} tasks never became {status} (e.g. {left.First()})");
        foreach (var id in left.ToList())
        {
            // Done once the orchestration finished: the Durable status URL answers 200 (202 while it runs).
            using var response = await http.GetAsync($"/runtime/webhooks/durabletask/instances/{Uri.EscapeDataString("task:" + id)}");
            if (response.StatusCode == HttpStatusCode.OK
                && (await http.GetFromJsonAsync<JsonElement>($"/api/tasks/{id}")).GetProperty("status").GetString() == status)
            {
                left.Remove(id);
            }
        }

        if (left.Count > 0)
        {
            await Task.Delay(50);
        }
    }
}

(TimeSpan Host, TimeSpan Worker) Cpu()
{
    using var process = Process.GetProcessById(app.Worker.ProcessId);
    return (Process.GetCurrentProcess().TotalProcessorTime, process.TotalProcessorTime);
}

int Arg(string name, int fallback)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
}

static double Percentile(List<double> sorted, double p) => sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

static void Check(bool condition, string message)
{
    if (!condition)
    {
        throw new InvalidOperationException(message);
    }
}
