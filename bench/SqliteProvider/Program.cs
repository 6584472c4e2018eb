using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using DurableTask.AzureStorage;
using DurableTask.Core;
using LocalRuntime.Sqlite;
using SqliteProviderBench;

// Each scenario runs `runs` times on a fresh task hub / file; the median is printed with every run's figure.
var runs = Option("--runs", 3);
var fanout = Option("--fanout", 10_000);
var chain = Option("--chain", 1_000);
var azuriteFanout = Option("--azurite-fanout", 1_000);
var azuriteChain = Option("--azurite-chain", 100);
var withAzurite = !args.Contains("--no-azurite");
var timeout = TimeSpan.FromSeconds(Option("--timeout-s", 300));

Console.WriteLine($"# SqliteProviderBench  {DateTime.UtcNow:yyyy-MM-dd HH:mm}Z  cores={Environment.ProcessorCount}  runs={runs}  load(1m)={LoadAverage()}");
var folder = Path.Combine(Path.GetTempPath(), "sqlite-bench-" + Guid.NewGuid().ToString("N")[..8]);
Directory.CreateDirectory(folder);
var sqliteRun = 0;
IOrchestrationService NewSqlite() => new SqliteOrchestrationService(new SqliteOrchestrationServiceOptions
{
    DatabasePath = Path.Combine(folder, $"bench-{++sqliteRun}.db"),
});

await MeasureAsync("sqlite", "fan-out", fanout, NewSqlite, typeof(FanOut), runs, timeout);
await MeasureAsync("sqlite", "chain", chain, NewSqlite, typeof(Chain), runs, timeout);

if (withAzurite)
{
    using var azurite = Azurite.Start(folder);
    var hub = 0;
    IOrchestrationService NewAzureStorage() => new AzureStorageOrchestrationService(new AzureStorageOrchestrationServiceSettings
    {
        StorageAccountClientProvider = new StorageAccountClientProvider(azurite.ConnectionString),
        TaskHubName = $"bench{++hub}x{Guid.NewGuid().ToString("N")[..6]}",
        MaxQueuePollingInterval = TimeSpan.FromSeconds(1),
        ExtendedSessionsEnabled = true,
        MaxConcurrentTaskActivityWorkItems = 100,
        PartitionCount = 4,
    });
    await MeasureAsync("azurestorage+azurite", "fan-out", azuriteFanout, NewAzureStorage, typeof(FanOut), runs, timeout);
    await MeasureAsync("azurestorage+azurite", "chain", azuriteChain, NewAzureStorage, typeof(Chain), runs, timeout);
}

Directory.Delete(folder, recursive: true);
return 0;

static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";

int Option(string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
}

static async Task MeasureAsync(string backend, string scenario, int n, Func<IOrchestrationService> create, Type orchestration, int runs, TimeSpan timeout)
{
    var figures = new List<double>();
    for (var run = 0; run < runs; run++)
    {
        var service = create();
        await service.CreateIfNotExistsAsync();
        var worker = new TaskHubWorker(service);
        worker.AddTaskOrchestrations(typeof(FanOut), typeof(Chain));
        worker.AddTaskActivities(typeof(Increment));
        await worker.StartAsync();
        var client = new TaskHubClient((IOrchestrationServiceClient)service);
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var started = Stopwatch.GetTimestamp();
        var watch = Stopwatch.StartNew();
        var instance = await client.CreateOrchestrationInstanceAsync(orchestration, $"{scenario}-{run}", n);
        var state = await client.WaitForOrchestrationAsync(instance, timeout);
        var elapsed = watch.Elapsed;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        var details = service is SqliteOrchestrationService sqlite
            ? $"  checkpoints={sqlite.CheckpointsCommitted} transactions={sqlite.TransactionsCommitted}"
            : string.Empty;
        var activitiesDone = Stopwatch.GetElapsedTime(started, Increment.LastRun);
        await worker.StopAsync(isForced: true);
        worker.Dispose();
        (service as IDisposable)?.Dispose();
        if (state?.OrchestrationStatus != OrchestrationStatus.Completed)
        {
            Console.WriteLine($"{backend,-22} {scenario,-8} n={n,-6} run {run + 1}: not finished in {timeout.TotalSeconds} s ({state?.OrchestrationStatus})");
            continue;
        }

        var figure = scenario == "chain" ? elapsed.TotalMilliseconds / n : n / elapsed.TotalSeconds;
        figures.Add(figure);
        Console.WriteLine($"{backend,-22} {scenario,-8} n={n,-6} run {run + 1}: {elapsed.TotalSeconds,8:F2} s  {Describe(scenario, figure)}  cpu {cpu.TotalMilliseconds * 1000 / n:F0} us/activity  (last activity ran at {activitiesDone.TotalSeconds:F2} s){details}");
    }

    if (figures.Count > 0)
    {
        figures.Sort();
        Console.WriteLine($"{backend,-22} {scenario,-8} n={n,-6} MEDIAN {Describe(scenario, figures[figures.Count / 2])}");
    }
}

static string Describe(string scenario, double figure) =>
    scenario == "chain" ? $"{figure:F3} ms/step" : $"{figure:F0} activities/s";

/// <summary>Azurite from the repo's node_modules on free loopback ports (killed with the bench).</summary>
internal sealed class Azurite : IDisposable
{
    private readonly Process _process;

    private Azurite(Process process, string connectionString)
    {
        _process = process;
        ConnectionString = connectionString;
    }

    public string ConnectionString { get; }

    public static Azurite Start(string folder)
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "ServerlessTasks.sln")))
        {
            root = root.Parent;
        }

        var script = Path.Combine(root?.FullName ?? ".", "node_modules", "azurite", "dist", "src", "azurite.js");
        if (!File.Exists(script))
        {
            throw new InvalidOperationException($"{script} is missing: run npm ci in the repo root.");
        }

        int[] ports = [FreePort(), FreePort(), FreePort()];
        var location = Path.Combine(folder, "azurite");
        Directory.CreateDirectory(location);
        var start = new ProcessStartInfo("node") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[]
                 {
                     script, "--location", location, "--silent", "--loose", "--skipApiVersionCheck", "--disableTelemetry",
                     "--blobPort", ports[0].ToString(CultureInfo.InvariantCulture), "--queuePort", ports[1].ToString(CultureInfo.InvariantCulture),
                     "--tablePort", ports[2].ToString(CultureInfo.InvariantCulture),
                 })
        {
            start.ArgumentList.Add(a);
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        foreach (var port in ports)
        {
            var deadline = Stopwatch.StartNew();
            while (true)
            {
                try
                {
                    using var tcp = new TcpClient();
                    tcp.Connect(IPAddress.Loopback, port);
                    break;
                }
                catch (SocketException) when (deadline.Elapsed < TimeSpan.FromSeconds(30))
                {
                    Thread.Sleep(50);
                }
            }
        }

        const string key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
        return new Azurite(process,
            $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={key};" +
            $"BlobEndpoint=http://127.0.0.1:{ports[0]}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{ports[1]}/devstoreaccount1;" +
            $"TableEndpoint=http://127.0.0.1:{ports[2]}/devstoreaccount1;");
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
