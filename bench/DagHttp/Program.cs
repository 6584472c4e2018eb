using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using ServerlessTasks;

// Usage: dotnet run -c Release --project bench/DagHttp -- [--tasks 10000] [--store sqlite|memory] [--shapes wide,chain] [--runs 3]
// Starts the real app (LocalProgram.BuildHost) on 127.0.0.1 with its stores in a temp folder, submits each
// DAG over HTTP, polls GET /api/workflows/{id} until it finishes, and times it; the raw baseline runs the
// same DAG as plain async code (JSON in, JSON out per task) in the same process. Prints a markdown table.
var options = Options.Parse(args);
var table = new List<string>
{
    "| shape | tasks | store | engine over HTTP (median) | raw (median) | ratio | peak managed heap growth | outcome |",
    "|---|---|---|---|---|---|---|---|",
};

foreach (var store in options.Stores)
{
    var folder = Path.Combine(Path.GetTempPath(), "daghttp-" + Guid.NewGuid().ToString("N"));
    Directory.CreateDirectory(folder);
    await using var app = LocalProgram.BuildHost(
    [
        "--urls", "http://127.0.0.1:0",
        "--AzureFunctionsJobHost:extensions:durableTask:storageProvider:type", store,
        "--AzureFunctionsJobHost:extensions:durableTask:storageProvider:path", Path.Combine(folder, "durable.db"),
        "--TaskIndex:Provider", store,
        "--TaskIndex:Path", Path.Combine(folder, "tasks.db"),
        "--Logging:LogLevel:Default", "Warning",
    ]);
    await app.StartAsync();
    var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
    using var http = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromMinutes(5) };

    // Warm-up: JIT the whole path once with a small DAG.
    await RunOverHttpAsync(http, Dag.Wide(50, "warmup-" + store), TimeSpan.FromMinutes(2));

    foreach (var shape in options.Shapes)
    {
        var engine = new List<TimeSpan>();
        var raw = new List<TimeSpan>();
        long peakHeap = 0;
        var outcome = "";
        for (var run = 0; run < options.Runs; run++)
        {
            var dag = shape == "chain" ? Dag.Chain(options.Tasks, $"{shape}-{store}-{run}") : Dag.Wide(options.Tasks, $"{shape}-{store}-{run}");
            Console.Error.WriteLine($"[{store}] {shape} {options.Tasks} run {run + 1}/{options.Runs} ...");
            raw.Add(await Dag.RunRawAsync(dag));
            using var sampler = new HeapSampler();
            var (elapsed, result) = await RunOverHttpAsync(http, dag, options.Timeout);
            engine.Add(elapsed);
            peakHeap = Math.Max(peakHeap, sampler.PeakGrowth);
            outcome = result;
            Console.Error.WriteLine($"[{store}] {shape}: {result} in {elapsed.TotalMilliseconds:N0} ms (raw {raw[^1].TotalMilliseconds:N1} ms), peak heap {peakHeap / 1048576.0:N1} MB");
        }

        var e = Median(engine);
        var r = Median(raw);
        table.Add(string.Create(CultureInfo.InvariantCulture,
            $"| {shape} | {options.Tasks:N0} | {store} | {e.TotalMilliseconds:N0} ms | {r.TotalMilliseconds:N1} ms | {e / r:N0}x | {peakHeap / 1048576.0:N1} MB | {outcome} |"));
    }

    await app.StopAsync();
    Directory.Delete(folder, recursive: true);
}

Console.WriteLine(string.Join(Environment.NewLine, table));
return;

static async Task<(TimeSpan Elapsed, string Outcome)> RunOverHttpAsync(HttpClient http, Dag dag, TimeSpan timeout)
{
    var watch = Stopwatch.StartNew();
    using var content = new StringContent(dag.Json, System.Text.Encoding.UTF8, "application/json");
    using var submit = await http.PostAsync("/api/workflows", content);
    if (submit.StatusCode != HttpStatusCode.Accepted)
    {
        return (watch.Elapsed, $"refused {(int)submit.StatusCode}");
    }

    while (true)
    {
        using var response = await http.GetAsync($"/runtime/webhooks/durabletask/instances/{dag.Id}?showInput=false");
        if (response.StatusCode == HttpStatusCode.OK)
        {
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            return (watch.Elapsed, body.GetProperty("runtimeStatus").GetString()!.ToLowerInvariant());
        }

        if (watch.Elapsed > timeout)
        {
            return (watch.Elapsed, "timed out");
        }

        await Task.Delay(20);
    }
}

static TimeSpan Median(List<TimeSpan> values) => values.Order().ElementAt(values.Count / 2);

/// <summary>A DAG as JSON plus its shape, and the raw baseline that runs the same DAG as plain async code.</summary>
internal sealed record Dag(string Id, string Json, int Tasks, bool IsChain)
{
    private static readonly string[] RootOnly = ["root"];

    public static Dag Wide(int n, string id) => new(id, JsonSerializer.Serialize(new
    {
        workflow_id = id,
        tasks = new object[] { new { task_id = "root", task_type = "echo", payload = 0 } }
            .Concat(Enumerable.Range(1, n - 1).Select(i => (object)new { task_id = $"t{i}", task_type = "echo", payload = i, dependencies = RootOnly })),
    }), n, false);

    public static Dag Chain(int n, string id) => new(id, JsonSerializer.Serialize(new
    {
        workflow_id = id,
        tasks = Enumerable.Range(0, n).Select(i => i == 0
            ? (object)new { task_id = "c0", task_type = "echo", payload = 0 }
            : new { task_id = $"c{i}", task_type = "echo", payload = i, dependencies = new[] { $"c{i - 1}" } }),
    }), n, true);

    /// <summary>The same work without the service: each task's payload serialized in and out, dependencies first.</summary>
    public async Task<TimeSpan> RunRawAsync()
    {
        static Task<string> Echo(int payload) => Task.Run(() => JsonSerializer.Serialize(JsonSerializer.Deserialize<JsonElement>(JsonSerializer.Serialize(payload))));
        var watch = Stopwatch.StartNew();
        await Echo(0);
        if (IsChain)
        {
            for (var i = 1; i < Tasks; i++)
            {
                await Echo(i);
            }
        }
        else
        {
            await Task.WhenAll(Enumerable.Range(1, Tasks - 1).Select(Echo));
        }

        return watch.Elapsed;
    }

    public static Task<TimeSpan> RunRawAsync(Dag dag) => dag.RunRawAsync();
}

/// <summary>
/// Samples the managed heap (live and not yet collected objects) every 10 ms during a run and keeps the
/// peak above the live heap measured (after a full collection) just before the run: what the run itself added.
/// </summary>
internal sealed class HeapSampler : IDisposable
{
    private readonly Timer _timer;
    private readonly long _before;
    private long _peak;

    public HeapSampler()
    {
        _before = GC.GetTotalMemory(forceFullCollection: true);
        _peak = _before;
        _timer = new Timer(_ => Sample(), null, TimeSpan.Zero, TimeSpan.FromMilliseconds(10));
    }

    public long PeakGrowth
    {
        get
        {
            Sample();
            return Interlocked.Read(ref _peak) - _before;
        }
    }

    public void Dispose() => _timer.Dispose();

    private void Sample()
    {
        var size = GC.GetTotalMemory(forceFullCollection: false);
        long current;
        while ((current = Interlocked.Read(ref _peak)) < size && Interlocked.CompareExchange(ref _peak, size, current) != current)
        {
        }
    }
}

internal sealed record Options(int Tasks, IReadOnlyList<string> Stores, IReadOnlyList<string> Shapes, int Runs, TimeSpan Timeout)
{
    public static Options Parse(string[] args)
    {
        var o = new Options(10_000, ["memory", "sqlite"], ["wide", "chain"], 3, TimeSpan.FromMinutes(5));
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value");
            o = args[i] switch
            {
                "--tasks" => o with { Tasks = int.Parse(value, CultureInfo.InvariantCulture) },
                "--store" => o with { Stores = value.Split(',') },
                "--shapes" => o with { Shapes = value.Split(',') },
                "--runs" => o with { Runs = int.Parse(value, CultureInfo.InvariantCulture) },
                "--timeout-seconds" => o with { Timeout = TimeSpan.FromSeconds(int.Parse(value, CultureInfo.InvariantCulture)) },
                _ => throw new ArgumentException($"Unknown option {args[i]}"),
            };
            i++;
        }

        return o;
    }
}
