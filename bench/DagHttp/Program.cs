using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using LocalRuntime.Functions.Hosting;
using Microsoft.Extensions.Logging;

// Usage: dotnet run -c Release --project bench/DagHttp -- [--tasks 10000] [--index sqlite|memory] [--shapes wide,chain] [--runs 3]
//        [--timeout-seconds 300] [--callbacks task_completed[,task_started,...]]
// Runs the real app (its build output, bin/<Configuration>/net10.0 of ServerlessTasks.csproj) in its real worker process on
// LocalRuntime's host in this process (LocalFunctionsHost + Composition.AddExtensions, as the host exe composes it), on
// 127.0.0.1 with every store (SQLite task hub, queues, task index, callbacks) in a temp folder. Submits each DAG over
// HTTP, polls the Durable status URL until it finishes, and times it; the raw baseline runs the same DAG as plain async
// code (JSON in, JSON out per task) in the same process. Peak RSS: VmHWM of this process (host + bench client) and of
// the worker process, reset before each run (/proc/<pid>/clear_refs). Prints a markdown table on stdout.
// With --callbacks the app runs in development mode (loopback callback targets allowed) with a fixed signing
// secret, an in-process receiver on 127.0.0.1:0 answers 200 to every callback and verifies each signature, and
// each run submits the DAG twice side by side: once without a callback (the baseline) and once with a workflow
// callback subscribed to the given events plus "completed"; it times the workflow's end and the arrival of the
// last expected callback (tasks x task events + 1).
var options = Options.Parse(args);
var table = new List<string>(options.Callbacks is null
    ? [
        "| shape | tasks | store | engine over HTTP (median) | raw (median) | ratio | peak RSS host+bench / worker / sum | outcome |",
        "|---|---|---|---|---|---|---|---|",
    ]
    : [
        "| shape | tasks | store | callbacks expected | workflow finished (median) | all callbacks delivered (median) | same DAG without callbacks (median) | delivered / without | raw (median) | received, fewest in a run (duplicates) | bad signatures | peak RSS host+bench / worker / sum | outcome |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]);

const string store = "sqlite";
var folder = Path.Combine(Path.GetTempPath(), "daghttp-" + Guid.NewGuid().ToString("N")[..8]);
Directory.CreateDirectory(folder);
var appDirectory = typeof(Options).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "AppDirectory").Value!;
Dictionary<string, string> worker = new(StringComparer.Ordinal)
{
    ["TaskIndex__Provider"] = options.Index,
    ["TaskIndex__Path"] = Path.Combine(folder, "tasks.db"),
    ["Webhooks__StorePath"] = Path.Combine(folder, "callbacks.db"),
    ["Logging__LogLevel__Default"] = "Warning",
};
if (options.Callbacks is not null)
{
    worker["Webhooks__Secrets"] = CallbackReceiver.Secret;
}

// The host passes its environment to the worker (AZURE_FUNCTIONS_ENVIRONMENT); it reads it while the builder is created.
Environment.SetEnvironmentVariable("AZURE_FUNCTIONS_ENVIRONMENT", options.Callbacks is null ? "Production" : "Development");
var builder = LocalFunctionsHost.CreateBuilder(appDirectory,
[
    "--urls", "http://127.0.0.1:0",
    "--LocalRuntime:DataPath", folder,
    "--LocalRuntime:DurableStore", store,
    "--AzureFunctionsJobHost:logging:logLevel:default", "Warning",
    .. worker.SelectMany(setting => new[] { $"--LocalRuntime:Host:WorkerEnvironment:{setting.Key}", setting.Value }),
]);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
LocalRuntime.Host.Composition.AddExtensions(builder);
await using var receiver = options.Callbacks is null ? null : await CallbackReceiver.StartAsync();
var app = builder.Build();
await app.StartAsync();
Console.Error.WriteLine($"host {Environment.ProcessId}, worker {app.Worker.ProcessId}, {Environment.ProcessorCount} cores, load {LoadAverage()}, data {folder}");
using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = app.BaseAddress, Timeout = TimeSpan.FromMinutes(5) };

// Warm-up: JIT the whole path once with a small DAG (and, with callbacks, the delivery path too).
Console.Error.WriteLine($"[{store}] warm-up: {(await RunOverHttpAsync(http, Dag.Wide(50, "warmup-" + store), TimeSpan.FromMinutes(2))).Outcome}");
if (receiver is not null)
{
    var warm = await RunWithCallbacksAsync(http, receiver, Dag.Wide(50, "warmup-cb-" + store, receiver.CallbackFor("warmup-cb-" + store, options.Callbacks!)),
        options.ExpectedCallbacks(50), TimeSpan.FromMinutes(2));
    Console.Error.WriteLine($"[{store}] warm-up with callbacks: {warm.Outcome}, {warm.Received} callbacks in {warm.Delivered?.TotalMilliseconds:N0} ms");
}

foreach (var shape in options.Shapes)
{
    var engine = new List<TimeSpan>();
    var raw = new List<TimeSpan>();
    var finished = new List<TimeSpan>();
    var delivered = new List<TimeSpan>();
    var peak = new PeakRss(0, 0);
    var outcome = "";
    var expected = options.ExpectedCallbacks(options.Tasks);
    long fewestReceived = long.MaxValue, duplicates = 0, badSignatures = 0;
    for (var run = 0; run < options.Runs; run++)
    {
        Dag Make(string suffix, object? callback = null) => shape == "chain"
            ? Dag.Chain(options.Tasks, $"{shape}-{store}-{run}{suffix}", callback)
            : Dag.Wide(options.Tasks, $"{shape}-{store}-{run}{suffix}", callback);
        Console.Error.WriteLine($"[{store}] {shape} {options.Tasks} run {run + 1}/{options.Runs} ... load {LoadAverage()}");
        raw.Add(await Dag.RunRawAsync(Make("")));
        if (receiver is null)
        {
            var dag = Make("");
            PeakRss.Reset(app.Worker.ProcessId);
            var cpu = Cpu(app.Worker.ProcessId);
            var (elapsed, result) = await RunOverHttpAsync(http, dag, options.Timeout);
            var after = Cpu(app.Worker.ProcessId);
            var used = (Host: after.Host - cpu.Host, Worker: after.Worker - cpu.Worker);
            engine.Add(elapsed);
            peak = peak.Max(PeakRss.Read(app.Worker.ProcessId));
            outcome = outcome.Length == 0 || result != "completed" ? result : outcome;
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"[{store}] {shape}: {result} in {elapsed.TotalMilliseconds:N0} ms (raw {raw[^1].TotalMilliseconds:N1} ms), cpu host+bench {used.Host.TotalSeconds:F1} s worker {used.Worker.TotalSeconds:F1} s, peak RSS so far {peak}"));
            continue;
        }

        // Side by side: the same DAG without and with callbacks, alternating which goes first.
        var plain = Make("-plain");
        var withCallbacks = Make("-cb", receiver.CallbackFor($"{shape}-{store}-{run}-cb", options.Callbacks!));
        for (var leg = 0; leg < 2; leg++)
        {
            if ((leg == 0) == (run % 2 == 0))
            {
                var submitted = DateTime.UtcNow;
                var (elapsed, result) = await RunOverHttpAsync(http, plain, options.Timeout);
                engine.Add(elapsed);
                Console.Error.WriteLine($"[{store}] {shape} without callbacks: {result} in {elapsed.TotalMilliseconds:N0} ms");
                Console.Error.WriteLine($"    {await DiagnoseAsync(http, plain.Id, submitted, deliveries: false)}");
                if (result != "completed" && outcome.Length == 0)
                {
                    outcome = $"run {run + 1} without callbacks: {result}";
                }
            }
            else
            {
                PeakRss.Reset(app.Worker.ProcessId);
                var submitted = DateTime.UtcNow;
                var r = await RunWithCallbacksAsync(http, receiver, withCallbacks, expected, options.Timeout);
                peak = peak.Max(PeakRss.Read(app.Worker.ProcessId));
                finished.Add(r.Finished);
                delivered.Add(r.Delivered ?? r.Waited);
                fewestReceived = Math.Min(fewestReceived, r.Received);
                duplicates += r.Duplicates;
                badSignatures += r.BadSignatures;
                if (r.Outcome != "completed" && outcome.Length == 0)
                {
                    outcome = $"run {run + 1} with callbacks: {r.Outcome}";
                }
                Console.Error.WriteLine(
                    $"[{store}] {shape} with callbacks: workflow {r.WorkflowOutcome} in {r.Finished.TotalMilliseconds:N0} ms, " +
                    $"{r.Received}/{expected} callbacks (first at {r.First?.TotalMilliseconds:N0} ms, all at {r.Delivered?.TotalMilliseconds:N0} ms), " +
                    $"deliveries settled at {r.Settled?.TotalMilliseconds:N0} ms, {r.Duplicates} duplicates, {r.BadSignatures} bad signatures, peak RSS so far {peak}");
                Console.Error.WriteLine($"    {await DiagnoseAsync(http, withCallbacks.Id, submitted, deliveries: true)}");
            }
        }
    }

    var e = Median(engine);
    var rr = Median(raw);
    table.Add(receiver is null
        ? string.Create(CultureInfo.InvariantCulture,
            $"| {shape} | {options.Tasks:N0} | {store} (index {options.Index}) | {e.TotalMilliseconds:N0} ms ({engine.Min().TotalMilliseconds:N0}-{engine.Max().TotalMilliseconds:N0}, {engine.Count} runs) | {rr.TotalMilliseconds:N1} ms | {e / rr:N0}x | {peak} | {outcome} |")
        : string.Create(CultureInfo.InvariantCulture,
            $"| {shape} | {options.Tasks:N0} | {store} (index {options.Index}) | {expected:N0} ({string.Join('+', options.Callbacks!)}+completed) | {Median(finished).TotalMilliseconds:N0} ms | {Median(delivered).TotalMilliseconds:N0} ms | {e.TotalMilliseconds:N0} ms | {Median(delivered) / e:N1}x | {rr.TotalMilliseconds:N1} ms | {fewestReceived:N0} ({duplicates}) | {badSignatures} | {peak} | {(outcome.Length == 0 ? "completed" : outcome)} |"));
}

await app.StopAsync();
await app.DisposeAsync();
if (receiver is not null)
{
    Console.Error.WriteLine($"[{store}] receiver: {receiver.Requests:N0} requests, {receiver.BadSignatures} bad signatures, {receiver.Unexpected} for no run in progress");
}

try
{
    Directory.Delete(folder, recursive: true);
}
catch (IOException)
{
    // A temp folder left behind is harmless.
}

Console.WriteLine($"DagHttp {DateTime.UtcNow:yyyy-MM-dd HH:mm}Z, {Environment.ProcessorCount} cores, load average at the end {LoadAverage()}");
Console.WriteLine();
Console.WriteLine(string.Join(Environment.NewLine, table));
return;

static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

static (TimeSpan Host, TimeSpan Worker) Cpu(int workerPid)
{
    using var worker = Process.GetProcessById(workerPid);
    return (Process.GetCurrentProcess().TotalProcessorTime, worker.TotalProcessorTime);
}

static Task<(TimeSpan Elapsed, string Outcome)> RunOverHttpAsync(HttpClient http, Dag dag, TimeSpan timeout) =>
    RunOverHttpFromAsync(http, dag, timeout, Stopwatch.GetTimestamp());

// Submits the DAG with its workflow callback, polls until the workflow finished, then waits (bounded by the timeout,
// counted from the submit) until every expected callback arrived, and (bounded again) until every delivery
// orchestration of the workflow finished (each journals callback_delivered after the send), so the next run starts quiet.
static async Task<CallbackRun> RunWithCallbacksAsync(HttpClient http, CallbackReceiver receiver, Dag dag, int expected, TimeSpan timeout)
{
    var started = Stopwatch.GetTimestamp();
    var tracker = receiver.Track(dag.Id, expected, started);
    try
    {
        var (finished, workflow) = await RunOverHttpFromAsync(http, dag, timeout, started);
        while (!tracker.AllArrived.IsCompleted && Stopwatch.GetElapsedTime(started) < timeout && workflow != "timed out" && !workflow.StartsWith("refused", StringComparison.Ordinal))
        {
            var left = timeout - Stopwatch.GetElapsedTime(started);
            await Task.WhenAny(tracker.AllArrived, Task.Delay(left < TimeSpan.FromSeconds(10) ? left : TimeSpan.FromSeconds(10)));
            if (!tracker.AllArrived.IsCompleted)
            {
                Console.Error.WriteLine($"    ... {tracker.Received}/{expected} callbacks after {Stopwatch.GetElapsedTime(started).TotalSeconds:N0} s");
            }
        }

        TimeSpan? delivered = tracker.AllArrived.IsCompleted ? await tracker.AllArrived : null;
        var waited = Stopwatch.GetElapsedTime(started);
        TimeSpan? settled = null;
        if (delivered is not null)
        {
            var settleStart = Stopwatch.GetTimestamp();
            var prefix = Uri.EscapeDataString($"callback:{dag.Id}:");
            while (Stopwatch.GetElapsedTime(settleStart) < timeout)
            {
                var open = await http.GetFromJsonAsync<JsonElement>(
                    $"/runtime/webhooks/durabletask/instances?instanceIdPrefix={prefix}&runtimeStatus=Pending,Running,Suspended&top=1");
                if (open.GetArrayLength() == 0)
                {
                    settled = Stopwatch.GetElapsedTime(started);
                    break;
                }

                await Task.Delay(50);
            }
        }

        var outcome = workflow != "completed" ? workflow
            : delivered is null ? $"callbacks timed out ({tracker.Received}/{expected})"
            : settled is null ? "deliveries did not settle"
            : "completed";
        return new CallbackRun(finished, workflow, delivered, waited, tracker.First, settled, tracker.Received, tracker.Duplicates, tracker.BadSignatures, outcome);
    }
    finally
    {
        receiver.Untrack(dag.Id);
    }
}

// Where a run's time went, read afterwards from the Durable management API (does not touch the run): the workflow's
// IndexTasks activities (one in flight at a time; the run cannot end before the last one returns, and task-event
// callbacks are started inside them), and when the run's callback delivery orchestrations were created.
static async Task<string> DiagnoseAsync(HttpClient http, string workflowId, DateTime submittedUtc, bool deliveries)
{
    var history = await http.GetFromJsonAsync<JsonElement>(
        $"/runtime/webhooks/durabletask/instances/{Uri.EscapeDataString(workflowId)}?showHistory=true&showHistoryOutput=false&showInput=false");
    var scheduled = new Dictionary<int, DateTime>();
    var otherActivities = new HashSet<int>(); // task activities (inline tasks), not the closing StartCallbackDelivery
    var busy = TimeSpan.Zero;
    var longest = TimeSpan.Zero;
    var calls = new List<string>();
    var flushes = 0;
    DateTime lastWork = default, lastFlush = default;
    foreach (var e in history.GetProperty("historyEvents").EnumerateArray())
    {
        var type = e.GetProperty("EventType").GetString();
        var at = e.GetProperty("Timestamp").GetDateTime();
        var id = e.TryGetProperty("ScheduledId", out var sid) ? sid.GetInt32() : -1;
        if (type == "TaskScheduled" && e.TryGetProperty("FunctionName", out var name) && name.GetString() == "IndexTasks")
        {
            scheduled[id] = at;
            flushes++;
        }
        else if (type == "TaskScheduled" && e.TryGetProperty("FunctionName", out var other) && other.GetString() != "StartCallbackDelivery")
        {
            otherActivities.Add(id);
        }
        else if (type is "TaskCompleted" or "TaskFailed" && scheduled.Remove(id, out var start))
        {
            busy += at - start;
            longest = at - start > longest ? at - start : longest;
            calls.Add(string.Create(CultureInfo.InvariantCulture, $"{(start - submittedUtc).TotalMilliseconds:N0}-{(at - submittedUtc).TotalMilliseconds:N0}"));
            lastFlush = at;
        }
        else if ((type is "TaskCompleted" or "TaskFailed" && otherActivities.Contains(id)) || type is "SubOrchestrationCompleted" or "SubOrchestrationFailed")
        {
            lastWork = at;
        }
    }

    var text = string.Create(CultureInfo.InvariantCulture,
        $"{flushes} IndexTasks calls busy {busy.TotalMilliseconds:N0} ms in all (longest {longest.TotalMilliseconds:N0} ms{(calls.Count <= 6 ? $": {string.Join(", ", calls)} ms after submit" : "")}); the last task result came {(lastWork - submittedUtc).TotalMilliseconds:N0} ms after submit, the last IndexTasks returned {(lastFlush - lastWork).TotalMilliseconds:N0} ms after it");
    if (!deliveries)
    {
        return text;
    }

    var created = new List<DateTime>(); // task-event deliveries
    DateTime? completion = null; // the workflow's own completion delivery, started by the workflow at its end
    string? token = null;
    do
    {
        using var request = new HttpRequestMessage(HttpMethod.Get,
            $"/runtime/webhooks/durabletask/instances?instanceIdPrefix={Uri.EscapeDataString($"callback:{workflowId}:")}&top=1000");
        if (token is not null)
        {
            request.Headers.Add("x-ms-continuation-token", token);
        }

        using var response = await http.SendAsync(request);
        var page = await response.Content.ReadFromJsonAsync<JsonElement>();
        foreach (var instance in page.EnumerateArray())
        {
            var at = instance.GetProperty("createdTime").GetDateTime();
            if (instance.GetProperty("instanceId").GetString() == $"callback:{workflowId}:completed")
            {
                completion = at;
            }
            else
            {
                created.Add(at);
            }
        }

        token = response.Headers.TryGetValues("x-ms-continuation-token", out var values) ? values.First() : null;
    }
    while (token is not null);

    if (completion is { } c)
    {
        text += string.Create(CultureInfo.InvariantCulture, $"; the completion delivery was created {(c - submittedUtc).TotalMilliseconds:N0} ms after submit");
    }

    if (created.Count < 2)
    {
        return text;
    }

    var first = created.Min();
    var last = created.Max();
    var span = last - first;
    return text + string.Create(CultureInfo.InvariantCulture,
        $"; {created.Count} task-event deliveries created {(first - submittedUtc).TotalMilliseconds:N0}-{(last - submittedUtc).TotalMilliseconds:N0} ms after submit ({span.TotalMilliseconds * 1000 / (created.Count - 1):N0} us apart on average, {(created.Count - 1) / span.TotalSeconds:N0}/s)");
}

static async Task<(TimeSpan Elapsed, string Outcome)> RunOverHttpFromAsync(HttpClient http, Dag dag, TimeSpan timeout, long started)
{
    using var content = new StringContent(dag.Json, System.Text.Encoding.UTF8, "application/json");
    using var submit = await http.PostAsync("/api/workflows", content);
    if (submit.StatusCode != HttpStatusCode.Accepted)
    {
        return (Stopwatch.GetElapsedTime(started), $"refused {(int)submit.StatusCode}");
    }

    while (true)
    {
        using var response = await http.GetAsync($"/runtime/webhooks/durabletask/instances/{dag.Id}?showInput=false");
        if (response.StatusCode == HttpStatusCode.OK)
        {
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            return (Stopwatch.GetElapsedTime(started), body.GetProperty("runtimeStatus").GetString()!.ToLowerInvariant());
        }

        if (Stopwatch.GetElapsedTime(started) > timeout)
        {
            return (Stopwatch.GetElapsedTime(started), "timed out");
        }

        await Task.Delay(20);
    }
}

static TimeSpan Median(List<TimeSpan> values) => values.Order().ElementAt(values.Count / 2);

/// <summary>A DAG as JSON plus its shape, and the raw baseline that runs the same DAG as plain async code.</summary>
internal sealed record Dag(string Id, string Json, int Tasks, bool IsChain)
{
    private static readonly string[] RootOnly = ["root"];

    // Leaves out a null callback, so a DAG without one is the same JSON as before callbacks existed here.
    private static readonly JsonSerializerOptions SkipNulls = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public static Dag Wide(int n, string id, object? callback = null) => new(id, JsonSerializer.Serialize(new
    {
        workflow_id = id,
        tasks = new object[] { new { task_id = "root", task_type = "echo", payload = 0 } }
            .Concat(Enumerable.Range(1, n - 1).Select(i => (object)new { task_id = $"t{i}", task_type = "echo", payload = i, dependencies = RootOnly })),
        callback,
    }, SkipNulls), n, false);

    public static Dag Chain(int n, string id, object? callback = null) => new(id, JsonSerializer.Serialize(new
    {
        workflow_id = id,
        tasks = Enumerable.Range(0, n).Select(i => i == 0
            ? (object)new { task_id = "c0", task_type = "echo", payload = 0 }
            : new { task_id = $"c{i}", task_type = "echo", payload = i, dependencies = new[] { $"c{i - 1}" } }),
        callback,
    }, SkipNulls), n, true);

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

/// <summary>Peak resident set sizes (VmHWM) of this process (host + bench client) and the worker, in bytes.</summary>
internal readonly record struct PeakRss(long Host, long Worker)
{
    public PeakRss Max(PeakRss other) => new(Math.Max(Host, other.Host), Math.Max(Worker, other.Worker));

    /// <summary>Resets both processes' VmHWM to their current RSS (Linux: writing 5 to clear_refs), so a run's peak is its own.</summary>
    public static void Reset(int workerPid)
    {
        foreach (var pid in new[] { Environment.ProcessId, workerPid })
        {
            try
            {
                File.WriteAllText($"/proc/{pid}/clear_refs", "5");
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Not resettable here: the figure is then the process's peak since it started.
            }
        }
    }

    public static PeakRss Read(int workerPid) => new(HighWaterMark(Environment.ProcessId), HighWaterMark(workerPid));

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Host / 1048576.0:N0} MB / {Worker / 1048576.0:N0} MB / {(Host + Worker) / 1048576.0:N0} MB");

    private static long HighWaterMark(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
            // The process is gone.
        }

        return 0;
    }
}

internal sealed record Options(int Tasks, IReadOnlyList<string> Shapes, int Runs, TimeSpan Timeout, IReadOnlyList<string>? Callbacks)
{
    /// <summary>The app's task index provider (<c>--index sqlite|memory</c>); the durable store is always SQLite here.</summary>
    public string Index { get; init; } = "sqlite";

    private static readonly string[] TaskEvents = ["task_started", "task_completed", "task_failed", "task_skipped"];

    /// <summary>
    /// Callbacks one run of an n-task echo DAG sends: every task is dispatched and completes, none fails or is
    /// skipped, so task_started and task_completed give n each, task_failed and task_skipped none; plus the workflow's completion.
    /// </summary>
    public int ExpectedCallbacks(int n) => (Callbacks ?? []).Count(e => e is "task_started" or "task_completed") * n + 1;

    public static Options Parse(string[] args)
    {
        var o = new Options(10_000, ["wide", "chain"], 3, TimeSpan.FromMinutes(5), null);
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value");
            o = args[i] switch
            {
                "--tasks" => o with { Tasks = int.Parse(value, CultureInfo.InvariantCulture) },
                "--index" => o with { Index = value },
                "--shapes" => o with { Shapes = value.Split(',') },
                "--runs" => o with { Runs = int.Parse(value, CultureInfo.InvariantCulture) },
                "--timeout-seconds" => o with { Timeout = TimeSpan.FromSeconds(int.Parse(value, CultureInfo.InvariantCulture)) },
                "--callbacks" => o with { Callbacks = ParseEvents(value) },
                _ => throw new ArgumentException($"Unknown option {args[i]}"),
            };
            i++;
        }

        return o;
    }

    // The workflow callback always subscribes to "completed" too; listed here are the task events besides it.
    private static string[] ParseEvents(string value)
    {
        var events = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(e => e != "completed").Distinct().ToArray();
        var unknown = events.Where(e => !TaskEvents.Contains(e)).ToList();
        return unknown.Count == 0 ? events : throw new ArgumentException($"Unknown callback event(s) {string.Join(", ", unknown)}; use {string.Join(", ", TaskEvents)} or completed.");
    }
}
