using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Reflection;
using System.Text;
using System.Text.Json;
using LocalRuntime.Functions.Hosting;
using Microsoft.Extensions.Logging;

// Usage: dotnet run -c Release --project bench/CacheBench -- [--tasks 500] [--iterations 50000] [--concurrency 16]
// N single compute tasks (SHA-256 repeated --iterations times each, distinct payloads) against the real app in its real
// worker on LocalRuntime's host (SQLite everywhere, temp folder), three ways in one run:
//  - baseline: no cache;
//  - miss: cache: {ttl_seconds: 3600}, payloads never seen (every task looks up, runs, stores);
//  - hit: the miss row's payloads again, keys in another order (every task completes from the cache, nothing runs).
// Each row: submit all N over HTTP (--concurrency at a time), then poll GET /api/tasks until all N completed. Prints a
// markdown table: wall time, tasks/s, CPU seconds of this process (host + client) and of the app's worker process, CPU
// ms per task, cached count and hit ratio, and the 1-minute load average. Then a latency table: --latency tasks one at
// a time (submit, then poll GET /api/tasks/{id} every 2 ms until completed), p50/p90/max, for a task that runs (no
// cache; and a cache miss) and a cache hit (a payload of the miss row), in the same run.
var tasks = Option("--tasks", 500);
var iterations = Option("--iterations", 50_000);
var concurrency = Option("--concurrency", 16);
var latencyTasks = Option("--latency", 40);

var folder = Path.Combine(Path.GetTempPath(), "cachebench-" + Guid.NewGuid().ToString("N")[..8]);
Directory.CreateDirectory(folder);
var appDirectory = Assembly.GetEntryAssembly()!.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "AppDirectory").Value!;
string[] worker =
[
    "TaskIndex__Provider", "sqlite",
    "TaskIndex__Path", Path.Combine(folder, "tasks.db"),
    "Webhooks__StorePath", Path.Combine(folder, "callbacks.db"),
    "Logging__LogLevel__Default", "Warning",
];
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
Console.Error.WriteLine($"host {Environment.ProcessId}, worker {app.Worker.ProcessId}, {Environment.ProcessorCount} cores, load {Load()}, data {folder}");
using var http = new HttpClient { BaseAddress = app.BaseAddress, Timeout = TimeSpan.FromMinutes(5) };

var rows = new List<string>
{
    "| run | tasks | compute iterations | wall | tasks/s | cached (hit ratio) | CPU s host+client / app worker | CPU ms per task | load |",
    "|---|---|---|---|---|---|---|---|---|",
};

// Warm-up: every path once, small (its own payloads).
await RunAsync("warm-base", 50, cache: false, payload: i => $$"""{"iterations":{{iterations}},"warm":{{i}}}""");
await RunAsync("warm-miss", 50, cache: true, payload: i => $$"""{"iterations":{{iterations}},"warm":{{i}}}""");

rows.Add(await RunAsync("baseline (no cache)", tasks, cache: false, payload: i => $$"""{"iterations":{{iterations}},"base":{{i}}}"""));
rows.Add(await RunAsync("cache miss (looked up, ran, stored)", tasks, cache: true, payload: i => $$"""{"iterations":{{iterations}},"n":{{i}}}"""));
rows.Add(await RunAsync("cache hit (same payloads, keys reordered)", tasks, cache: true, payload: i => $$"""{"n":{{i}}, "iterations":{{iterations}}}"""));
var latency = new List<string>
{
    "| one task at a time | tasks | p50 | p90 | max | cached | load |",
    "|---|---|---|---|---|---|---|",
    await LatencyAsync("runs (no cache)", cache: false, payload: i => $$"""{"iterations":{{iterations}},"lat":{{i}}}"""),
    await LatencyAsync("runs (cache miss)", cache: true, payload: i => $$"""{"iterations":{{iterations}},"latmiss":{{i}}}"""),
    await LatencyAsync("cache hit", cache: true, payload: i => $$"""{"iterations":{{iterations}},"n":{{i}}}"""),
};
Console.WriteLine(string.Join(Environment.NewLine, rows));
Console.WriteLine();
Console.WriteLine(string.Join(Environment.NewLine, latency));
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

async Task<string> RunAsync(string name, int count, bool cache, Func<int, string> payload)
{
    var prefix = "b" + Guid.NewGuid().ToString("N")[..8];
    using var self = Process.GetCurrentProcess();
    using var workerProcess = Process.GetProcessById(app.Worker.ProcessId);
    var (hostBefore, appBefore) = (self.TotalProcessorTime, workerProcess.TotalProcessorTime);
    var watch = Stopwatch.StartNew();
    using var gate = new SemaphoreSlim(concurrency);
    await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
    {
        await gate.WaitAsync();
        try
        {
            var body = $$"""{"task_id":"{{prefix}}-{{i}}","task_type":"compute","payload":{{payload(i)}}{{(cache ? ""","cache":{"ttl_seconds":3600}""" : "")}}}""";
            using var response = await http.PostAsync("/api/tasks", new StringContent(body, Encoding.UTF8, "application/json"));
            if ((int)response.StatusCode != 202)
            {
                throw new InvalidOperationException($"{name}: submit {i}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
        }
        finally
        {
            gate.Release();
        }
    }));

    // Every task of this row completed: read the single tasks' list (oldest first) until all of this row's are done.
    var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(15);
    var (completed, cached) = (0, 0);
    while (true)
    {
        (completed, cached) = (0, 0);
        for (var offset = 0; ; offset += 1000)
        {
            var page = await http.GetFromJsonAsync<JsonElement>($"/api/tasks?status=completed&limit=1000&offset={offset}");
            var items = page.GetProperty("items").EnumerateArray().Where(t => t.GetProperty("task_id").GetString()!.StartsWith(prefix + "-", StringComparison.Ordinal)).ToList();
            completed += items.Count;
            cached += items.Count(t => t.TryGetProperty("cached", out var c) && c.GetBoolean());
            if (page.GetProperty("items").GetArrayLength() < 1000)
            {
                break;
            }
        }

        if (completed == count)
        {
            break;
        }

        if (DateTime.UtcNow > deadline)
        {
            throw new TimeoutException($"{name}: {completed} of {count} completed");
        }

        await Task.Delay(100);
    }

    watch.Stop();
    self.Refresh();
    workerProcess.Refresh();
    Console.Error.WriteLine($"{name}: {count} in {watch.Elapsed.TotalSeconds:0.00} s, {cached} cached");
    return string.Create(CultureInfo.InvariantCulture,
        $"| {name} | {count} | {iterations:N0} | {watch.Elapsed.TotalSeconds:0.00} s | {count / watch.Elapsed.TotalSeconds:0} | {cached} ({(double)cached / count:0.00}) | {(self.TotalProcessorTime - hostBefore).TotalSeconds:0.0} / {(workerProcess.TotalProcessorTime - appBefore).TotalSeconds:0.0} | {(self.TotalProcessorTime - hostBefore + (workerProcess.TotalProcessorTime - appBefore)).TotalMilliseconds / count:0.0} | {Load()} |");
}

async Task<string> LatencyAsync(string name, bool cache, Func<int, string> payload)
{
    var prefix = "l" + Guid.NewGuid().ToString("N")[..8];
    var times = new List<double>();
    var cached = 0;
    for (var i = 0; i < latencyTasks; i++)
    {
        var id = $"{prefix}-{i}";
        var body = $$"""{"task_id":"{{id}}","task_type":"compute","payload":{{payload(i)}}{{(cache ? ""","cache":{"ttl_seconds":3600}""" : "")}}}""";
        var watch = Stopwatch.StartNew();
        using (var response = await http.PostAsync("/api/tasks", new StringContent(body, Encoding.UTF8, "application/json")))
        {
            if ((int)response.StatusCode != 202)
            {
                throw new InvalidOperationException($"{name}: submit {i}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (true)
        {
            using var response = await http.GetAsync($"/api/tasks/{id}");
            if ((int)response.StatusCode == 200 && await response.Content.ReadFromJsonAsync<JsonElement>() is var task
                && task.GetProperty("status").GetString() == "completed")
            {
                times.Add(watch.Elapsed.TotalMilliseconds);
                cached += task.TryGetProperty("cached", out var c) && c.GetBoolean() ? 1 : 0;
                break;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{name}: task {id} did not complete");
            }

            await Task.Delay(2);
        }
    }

    times.Sort();
    double At(double q) => times[Math.Min(times.Count - 1, (int)Math.Ceiling(q * times.Count) - 1)];
    Console.Error.WriteLine($"{name}: p50 {At(0.5):0.0} ms, {cached} cached");
    return string.Create(CultureInfo.InvariantCulture,
        $"| {name} | {times.Count} | {At(0.5):0.0} ms | {At(0.9):0.0} ms | {times[^1]:0.0} ms | {cached} | {Load()} |");
}

static string Load() => File.ReadAllText("/proc/loadavg").Split(' ')[0];

int Option(string name, int fallback)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
}
