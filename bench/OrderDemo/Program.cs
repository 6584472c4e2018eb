using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Reflection;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using OrderDemo;
using Spectre.Console;

// The order pipeline's showcase (docs/example-orders.md). Usage: DemoOptions.Usage.
DemoOptions options;
try
{
    options = DemoOptions.Parse(args);
}
catch (Exception ex) when (ex is ArgumentException or FormatException)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}

var culture = CultureInfo.InvariantCulture;
var runId = DateTime.UtcNow.ToString("HHmmss", culture);

// The completion callbacks of every order arrive here (loopback; the app allows loopback targets in Development).
var receiverBuilder = WebApplication.CreateSlimBuilder();
receiverBuilder.WebHost.UseUrls("http://127.0.0.1:0");
receiverBuilder.Logging.ClearProviders();
var receiver = receiverBuilder.Build();
var callbacks = new ConcurrentDictionary<string, (double At, string? Status)>(StringComparer.Ordinal);
var clock = new Stopwatch();
receiver.MapPost("/hook", async (HttpRequest request) =>
{
    using var body = await JsonDocument.ParseAsync(request.Body);
    if (body.RootElement.TryGetProperty("workflow_id", out var id) && id.GetString() is { } workflowId && workflowId.StartsWith("order:", StringComparison.Ordinal))
    {
        var status = body.RootElement.TryGetProperty("status", out var s) ? s.GetString() : null;
        callbacks.TryAdd(workflowId["order:".Length..], (clock.Elapsed.TotalSeconds, status));
    }

    return Results.Ok();
});
await receiver.StartAsync();
var hookUrl = receiver.Urls.First() + "/hook";

if (options.Raw)
{
    var rawFolder = Path.Combine(Path.GetTempPath(), "order-demo-raw-" + runId + "-" + Guid.NewGuid().ToString("N")[..6]);
    Directory.CreateDirectory(rawFolder);
    var rawOrders = Orders.Generate(options, runId, "http://127.0.0.1:9/hook");
    AnsiConsole.MarkupLine($"[bold]{options.Orders:N0} orders[/] at {options.Rate}/s in process (raw baseline), {options.VipShare:P0} VIP, gateway failing {options.FailureRate:P0} of calls"
        + (options.OutageAt >= 0 ? $", outage {options.OutageSeconds} s at +{options.OutageAt} s" : string.Empty));
    var code = await RawRun.RunAsync(rawOrders, options, rawFolder, DateTimeOffset.UtcNow.AddSeconds(1));
    await receiver.StopAsync();
    Directory.Delete(rawFolder, recursive: true);
    return code;
}

// The service: the host exe started here, or a running one.
string? dataFolder = null;
HostProcess? host = null;
var startAllowance = TimeSpan.FromSeconds(options.Url is null ? 45 : 1);
var submissionStart = DateTimeOffset.UtcNow + startAllowance;
Uri baseAddress;
if (options.Url is null)
{
    dataFolder = Path.Combine(Path.GetTempPath(), "order-demo-" + runId + "-" + Guid.NewGuid().ToString("N")[..6]);
    Directory.CreateDirectory(dataFolder);
    var metadata = typeof(DemoOptions).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().ToDictionary(a => a.Key, a => a.Value!);
    var worker = new List<KeyValuePair<string, string>>
    {
        new("TaskIndex__Provider", "sqlite"),
        new("TaskIndex__Path", Path.Combine(dataFolder, "tasks.db")),
        new("Webhooks__StorePath", Path.Combine(dataFolder, "callbacks.db")),
        new("Orders__Seed", options.Seed.ToString(culture)),
        new("Orders__Gateway__LatencyMs", "20"),
        new("Orders__Gateway__LatencyJitterMs", "20"),
        new("Orders__Gateway__FailureRate", options.FailureRate.ToString(culture)),
        new("Orders__Inventory__LatencyMs", "5"),
        new("Orders__Inventory__SlowRate", "0.01"),
        new("Orders__Inventory__SlowMs", "1500"),
        new("Orders__Shipping__LatencyMs", "5"),
        new("Orders__Shipping__Undeliverable__0", "sku-oversize"),
    };
    if (options.OutageAt >= 0)
    {
        worker.Add(new("Orders__Gateway__Outages__0__Start", submissionStart.AddSeconds(options.OutageAt).ToString("O", culture)));
        worker.Add(new("Orders__Gateway__Outages__0__Seconds", options.OutageSeconds.ToString(culture)));
    }

    if (options.PoolCapacity > 0)
    {
        worker.Add(new("Pools__payment-gateway__Capacity", options.PoolCapacity.ToString(culture)));
        worker.Add(new("Pools__payment-gateway__TaskTypes", "order_charge,order_refund"));
    }

    var environment = new List<KeyValuePair<string, string>> { new("AZURE_FUNCTIONS_ENVIRONMENT", "Development") };
    if (options.Store == "azurestorage")
    {
        environment.Add(new("LocalRuntime__DurableStore", "azurestorage"));
        environment.Add(new("AzureWebJobsStorage", "UseDevelopmentStorage=true"));
        environment.Add(new("AzureFunctionsJobHost__extensions__durableTask__hubName", "orderdemo" + runId));
    }

    host = new HostProcess(metadata["HostExecutable"], options.App ?? metadata["AppDirectory"], dataFolder, HostProcess.FreePort(), worker, environment);
    AnsiConsole.MarkupLine($"[grey]Starting the host ({options.Store}) in {dataFolder} ...[/]");
    await host.StartAsync(TimeSpan.FromSeconds(120));
    baseAddress = host.BaseAddress;
}
else
{
    baseAddress = options.Url;
}

using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
var orders = Orders.Generate(options, runId, hookUrl);

AnsiConsole.MarkupLine($"[bold]{options.Orders:N0} orders[/] at {options.Rate}/s, {options.VipShare:P0} VIP, gateway failing {options.FailureRate:P0} of calls"
    + (options.OutageAt >= 0 && options.Url is null ? $", outage {options.OutageSeconds} s at +{options.OutageAt} s" : string.Empty)
    + (options.KillHostAt is { } k ? $", kill -9 of the host at +{k} s" : string.Empty) + $" -> {baseAddress}");
var wait = submissionStart - DateTimeOffset.UtcNow;
if (wait > TimeSpan.Zero)
{
    await Task.Delay(wait); // the outage was configured against this start time
}

// CPU seconds of host and worker from here on (start-up excluded), and the machine's load while the run goes on.
var cpuSpent = (Host: 0.0, Workers: 0.0);
var cpuFrom = host?.ProcessId is { } startPid ? ProcessCpu.Of(startPid) : (0.0, 0.0);
var loads = new List<double>();
using var loadSampler = new Timer(_ =>
{
    if (ProcessCpu.LoadAverage() is { } load)
    {
        lock (loads)
        {
            loads.Add(load);
        }
    }
}, null, TimeSpan.Zero, TimeSpan.FromSeconds(5));
clock.Start();
var hostDown = new List<(double From, double To)>();
var killTask = options.KillHostAt is { } killAt && host is not null
    ? Task.Run(async () =>
    {
        await Task.Delay(TimeSpan.FromSeconds(killAt));
        var from = clock.Elapsed.TotalSeconds;
        if (host.ProcessId is { } killedPid)
        {
            var used = ProcessCpu.Of(killedPid);
            cpuSpent = (cpuSpent.Host + used.Host - cpuFrom.Item1, cpuSpent.Workers + used.Workers - cpuFrom.Item2);
            cpuFrom = (0.0, 0.0); // the restarted host counts from zero (its start-up included)
        }

        await host.KillAsync();
        await host.StartAsync(TimeSpan.FromSeconds(180));
        hostDown.Add((from, clock.Elapsed.TotalSeconds));
    })
    : Task.CompletedTask;

using var inFlight = new SemaphoreSlim(128);
var submits = new List<Task>();
var accepted = 0;
var submitted = 0;

async Task SubmitAsync(OrderRecord order)
{
    try
    {
        // Retried until accepted: while the host is down (kill -9) or answers 5xx. Same id and body: 202 or 200, never twice.
        var giveUp = clock.Elapsed.TotalSeconds + 300;
        while (clock.Elapsed.TotalSeconds < giveUp)
        {
            order.SubmitAttempts++;
            try
            {
                using var response = await http.PostAsync(new Uri("/api/orders", UriKind.Relative), new StringContent(order.Body, Encoding.UTF8, "application/json"));
                if (response.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.OK)
                {
                    order.Accepted = (int)response.StatusCode;
                    Interlocked.Increment(ref accepted);
                    return;
                }

                if ((int)response.StatusCode is >= 400 and < 500 and not 408 and not 429)
                {
                    order.Refused = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // The host is down or restarting.
            }

            await Task.Delay(500);
        }
    }
    finally
    {
        inFlight.Release();
    }
}

await AnsiConsole.Progress()
    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
    .StartAsync(async progress =>
    {
        var sent = progress.AddTask("submitted", maxValue: options.Orders);
        var done = progress.AddTask("finished (callbacks)", maxValue: options.Orders);
        var feeder = Task.Run(async () =>
        {
            for (var i = 0; i < orders.Count; i++)
            {
                var due = i / options.Rate;
                var ahead = due - clock.Elapsed.TotalSeconds;
                if (ahead > 0)
                {
                    await Task.Delay(TimeSpan.FromSeconds(ahead));
                }

                await inFlight.WaitAsync();
                orders[i].SentAt = clock.Elapsed.TotalSeconds;
                Interlocked.Increment(ref submitted);
                lock (submits)
                {
                    submits.Add(SubmitAsync(orders[i]));
                }
            }
        });

        var lastCallbacks = 0;
        var quietSince = clock.Elapsed.TotalSeconds;
        while (true)
        {
            sent.Value = Volatile.Read(ref submitted);
            done.Value = callbacks.Count;
            done.Description = $"finished (callbacks) {callbacks.Count:N0}/{Volatile.Read(ref accepted):N0}";
            if (callbacks.Count != lastCallbacks)
            {
                lastCallbacks = callbacks.Count;
                quietSince = clock.Elapsed.TotalSeconds;
            }

            var allSent = feeder.IsCompleted && submits.All(t => t.IsCompleted);
            if (allSent && callbacks.Count >= Volatile.Read(ref accepted))
            {
                break;
            }

            // Callbacks are a convenience: past the timeout (or 60 s without any) the sweep below asks each order.
            if (allSent && (clock.Elapsed.TotalSeconds - quietSince > 60 || clock.Elapsed.TotalSeconds > (orders.Count / options.Rate) + options.TimeoutSeconds))
            {
                break;
            }

            await Task.Delay(250);
        }

        sent.Value = sent.MaxValue;
    });
await killTask;
var submissionSeconds = orders.Count == 0 ? 0 : orders.Max(o => o.SentAt);

// The sweep: every accepted order's own status (server timings), until final or the deadline.
var sweepDeadline = clock.Elapsed.TotalSeconds + Math.Max(60, options.TimeoutSeconds / 2);
var pending = orders.Where(o => o.Accepted != 0).ToList();
while (pending.Count > 0)
{
    await Parallel.ForEachAsync(pending, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (order, cancellation) =>
    {
        try
        {
            using var response = await http.GetAsync(new Uri($"/api/orders/{order.OrderId}", UriKind.Relative), cancellation);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                using var view = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellation));
                var root = view.RootElement;
                order.Status = root.GetProperty("status").GetString();
                order.AcceptedAt = root.GetProperty("accepted_at").GetDateTimeOffset();
                order.FinishedAt = root.TryGetProperty("finished_at", out var f) ? f.GetDateTimeOffset() : null;
                order.DurationMs = root.TryGetProperty("duration_ms", out var d) ? d.GetDouble() : null;
                order.Retries = root.GetProperty("retries").GetInt32();
                order.ChargeId = root.GetProperty("charge_id").GetString();
                order.RefundId = root.GetProperty("refund_id").GetString();
                order.Error = root.TryGetProperty("error", out var e) ? e.GetString() : null;
            }
            else if (response.StatusCode == HttpStatusCode.NotFound)
            {
                order.Status = "missing";
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            // Asked again below.
        }
    });
    pending = [.. pending.Where(o => !o.IsFinal)];
    if (pending.Count == 0 || clock.Elapsed.TotalSeconds > sweepDeadline)
    {
        break;
    }

    AnsiConsole.MarkupLine($"[grey]{pending.Count:N0} orders still running; asking again ...[/]");
    await Task.Delay(2000);
}

foreach (var order in orders)
{
    if (callbacks.TryGetValue(order.OrderId, out var callback))
    {
        order.CallbackAt = callback.At;
    }
}

var ledger = await GetJsonAsync(http, "/api/orders-ledger");
var pools = await GetJsonAsync(http, "/api/pools");
if (host?.ProcessId is { } endPid)
{
    var used = ProcessCpu.Of(endPid);
    cpuSpent = (cpuSpent.Host + used.Host - cpuFrom.Item1, cpuSpent.Workers + used.Workers - cpuFrom.Item2);
}

double[] loadSamples;
lock (loads)
{
    loadSamples = [.. loads];
}

var summary = Summary.Of(orders, ledger, pools, options, submissionSeconds, hostDown) with
{
    CpuHostSeconds = host is null ? null : cpuSpent.Host,
    CpuWorkerSeconds = host is null ? null : cpuSpent.Workers,
    LoadMin = loadSamples.Length == 0 ? null : loadSamples.Min(),
    LoadMax = loadSamples.Length == 0 ? null : loadSamples.Max(),
};
summary.Print();
if (options.Out is { } outFolder)
{
    Directory.CreateDirectory(outFolder);
    summary.WriteFiles(outFolder, orders, options);
    AnsiConsole.MarkupLine($"[grey]Wrote {Path.Combine(outFolder, "orders.csv")}, summary.json and latency.png[/]");
}

await receiver.StopAsync();
if (host is not null)
{
    await host.DisposeAsync();
}

if (dataFolder is not null && !summary.InvariantsHold)
{
    // Kept for a look: orders.db is the gateway's ledger, durable.db the task hub, host.log the host's and worker's log.
    AnsiConsole.MarkupLine($"[red]Data kept in {dataFolder}[/]");
}
else if (dataFolder is not null)
{
    try
    {
        Directory.Delete(dataFolder, recursive: true);
    }
    catch (IOException)
    {
        // A file the host still held: the temp folder is the OS's to clean.
    }
}

return summary.InvariantsHold ? 0 : 1;

static async Task<JsonElement?> GetJsonAsync(HttpClient http, string path)
{
    try
    {
        using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
        return response.IsSuccessStatusCode ? JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone() : null;
    }
    catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException)
    {
        return null;
    }
}
