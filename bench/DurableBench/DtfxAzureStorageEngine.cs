using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using DurableTask.AzureStorage;
using DurableTask.Core;
using LocalRuntime.Durable.Backends;
using LocalRuntime.Durable.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace DurableBench;

/// <summary>
/// Baselines: DTFx <see cref="TaskHubWorker"/> + Microsoft's <see cref="AzureStorageOrchestrationService"/> on Azurite, in-process
/// DTFx orchestrations and activities, no worker process. <paramref name="tuned"/> false: the provider's defaults (30 s maximum
/// queue polling interval, no extended sessions, 10 activities per core). True: exactly the settings our host gives the
/// provider for DurableTestApp (its host.json's <c>durableTask</c> section through <see cref="DurableHostOptions"/> and
/// <see cref="DurableBackendFactory.AzureStorageSettings"/>), so the two columns differ only by the worker hop.
/// A fresh task hub per run (an unfinished run leaves work behind). Submits are <see cref="TaskHubClient"/> calls (no HTTP
/// hop); completion is polled every 100 ms.
/// </summary>
internal sealed class DtfxAzureStorageEngine(string connectionString, bool tuned) : IEngine
{
    /// <summary>Storage requests of the tuned hub, reported per run (what one activity costs in Azurite round trips).</summary>
    private readonly RequestCounter? _requests = tuned ? new RequestCounter() : null;

    public string Name => tuned ? "dtfx+azurestorage tuned" : "dtfx+azurestorage";

    public Task<RunResult> FanOutAsync(int n, string id, TimeSpan limit) => RunAsync(typeof(FanOutOrchestration), n, id, limit);

    public Task<RunResult> ChainAsync(int n, string id, TimeSpan limit) => RunAsync(typeof(ChainOrchestration), n, id, limit);

    public async Task<IReadOnlyList<Latency>> LatencyAsync(int count, string idPrefix, TimeSpan limit)
    {
        await using var hub = await Hub.StartAsync(connectionString, _requests);
        var results = new List<Latency>(count);
        var deadline = Waits.Deadline(limit);
        for (var i = 0; i < count && Stopwatch.GetTimestamp() < deadline; i++)
        {
            var id = $"{idPrefix}-{i}";
            var waiter = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            InProcess.Stamps[id] = waiter;
            var started = Stopwatch.GetTimestamp();
            var instance = await hub.Client.CreateOrchestrationInstanceAsync(typeof(FirstStampOrchestration), id, id);
            var accepted = Stopwatch.GetTimestamp();
            long at;
            try
            {
                at = await waiter.Task.WaitAsync(TimeSpan.FromSeconds(60));
            }
            catch (TimeoutException)
            {
                InProcess.Stamps.TryRemove(id, out _);
                Console.Error.WriteLine($"    [{Name}] {id}: no activity start within 60 s");
                continue;
            }

            results.Add(new Latency(Waits.Milliseconds(started, at), Waits.Milliseconds(started, accepted)));
            await Waits.PollAsync(async () => await hub.IsFinishedAsync(instance), Waits.Deadline(TimeSpan.FromSeconds(60)), TimeSpan.FromMilliseconds(20));
        }

        return results;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task<RunResult> RunAsync(Type orchestration, int n, string id, TimeSpan limit)
    {
        await using var hub = await Hub.StartAsync(connectionString, _requests);
        _requests?.Take(); // the hub's creation is not the run's
        var before = InProcess.Activities;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var started = Stopwatch.GetTimestamp();
        var instance = await hub.Client.CreateOrchestrationInstanceAsync(orchestration, id, n);
        var finished = await Waits.PollAsync(async () => await hub.IsFinishedAsync(instance), Waits.Deadline(limit), TimeSpan.FromMilliseconds(100));
        var seconds = Waits.Seconds(started);
        var done = InProcess.Activities - before;
        var detail = string.Create(CultureInfo.InvariantCulture, $"cpu bench {(Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds:F1} s");
        if (_requests?.Take() is { } counts)
        {
            var total = counts.Sum(c => c.Count);
            detail += string.Create(CultureInfo.InvariantCulture,
                $", {total:N0} storage requests ({(double)total / Math.Max(done, 1):F1} per activity: {string.Join(", ", counts.Select(c => $"{c.Kind} {c.Count:N0}"))})");
        }
        if (!finished)
        {
            return new RunResult(seconds, done, n, Completed: false, detail);
        }

        var state = await hub.Client.GetOrchestrationStateAsync(instance);
        var ok = state?.OrchestrationStatus == OrchestrationStatus.Completed && state.Output == Waits.ExpectedSum(n).ToString(CultureInfo.InvariantCulture);
        return new RunResult(seconds, done, n, ok, ok ? detail : $"{detail}; status {state?.OrchestrationStatus}, output {state?.Output}");
    }

    /// <summary>One task hub with its worker, started and (on dispose) stopped, forced.</summary>
    private sealed class Hub : IAsyncDisposable
    {
        private readonly TaskHubWorker _worker;

        private Hub(AzureStorageOrchestrationService service, TaskHubWorker worker)
        {
            _worker = worker;
            Client = new TaskHubClient(service);
        }

        public TaskHubClient Client { get; }

        /// <summary>Starts a hub: <paramref name="requests"/> null = the provider's defaults; else tuned, its requests counted.</summary>
        public static async Task<Hub> StartAsync(string connectionString, RequestCounter? requests)
        {
            var hubName = "dtfx" + Guid.NewGuid().ToString("N")[..10];
            // Defaults, except what a hub needs to exist: its name and the account. Tuned: our host's settings for DurableTestApp.
            var service = new AzureStorageOrchestrationService(requests is not null
                ? TunedSettings(connectionString, hubName, requests)
                : new AzureStorageOrchestrationServiceSettings
                {
                    TaskHubName = hubName,
                    StorageAccountClientProvider = new StorageAccountClientProvider(connectionString),
                });
            await service.CreateIfNotExistsAsync();
            var worker = new TaskHubWorker(service);
            worker.AddTaskOrchestrations(typeof(FanOutOrchestration), typeof(ChainOrchestration), typeof(FirstStampOrchestration));
            worker.AddTaskActivities(typeof(WorkActivity), typeof(StampActivity));
            await worker.StartAsync();
            return new Hub(service, worker);
        }

        /// <summary>DurableTestApp's host.json <c>extensions:durableTask</c>, mapped as our host maps it, on a fresh hub.</summary>
        private static AzureStorageOrchestrationServiceSettings TunedSettings(string connectionString, string hubName, RequestCounter requests)
        {
            var appDirectory = typeof(Hub).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "DurableTestAppDirectory").Value!;
            var durableTask = new ConfigurationBuilder()
                .AddJsonFile(Path.Combine(appDirectory, "host.json"))
                .AddInMemoryCollection(new Dictionary<string, string?> { ["extensions:durableTask:hubName"] = hubName })
                .Build()
                .GetSection("extensions:durableTask");
            var settings = new ConfigurationBuilder()
                .AddInMemoryCollection(new Dictionary<string, string?> { ["AzureWebJobsStorage"] = connectionString })
                .Build();
            var options = DurableHostOptions.FromConfiguration(durableTask, settings);
            var result = DurableBackendFactory.AzureStorageSettings(options, settings, NullLoggerFactory.Instance);
            result.StorageAccountClientProvider = requests.Provider(connectionString);
            return result;
        }

        public async Task<bool> IsFinishedAsync(OrchestrationInstance instance)
        {
            var state = await Client.GetOrchestrationStateAsync(instance);
            return state?.OrchestrationStatus is OrchestrationStatus.Completed or OrchestrationStatus.Failed or OrchestrationStatus.Terminated;
        }

        public async ValueTask DisposeAsync()
        {
            await _worker.StopAsync(isForced: true);
            _worker.Dispose();
        }
    }
}
