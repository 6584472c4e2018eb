using System.Globalization;
using ServerlessTasks.Testing;

namespace LocalRuntime.Durable.Tests.EndToEnd;

/// <summary>Crashes with real processes: the host killed mid-run, the worker killed alone, two hosts sharing an Azure Storage task hub.</summary>
public sealed class DurableCrashTests : IAsyncLifetime
{
    private const int FanOutSize = 1000;
    private static readonly long ExpectedSum = Enumerable.Range(0, FanOutSize).Sum(i => (long)i * i);

    private readonly string _dataPath = Path.Combine(Path.GetTempPath(), "durable-crash-" + Guid.NewGuid().ToString("N")[..12]);

    private string ActivityLog => Path.Combine(_dataPath, "activities.log");

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_dataPath);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        try
        {
            Directory.Delete(_dataPath, recursive: true);
        }
        catch (IOException)
        {
        }

        return Task.CompletedTask;
    }

    [Fact]
    public async Task KillHost_MidFanOutOfThousand_WorkerDiesTooAndAfterRestartEveryResultIsCommittedOnce()
    {
        var port = ChildProcess.FreePort();
        const string id = "crash-fanout";
        int workerPid;
        await using (var host = await HostProcess.StartAsync(port, _dataPath, ActivityLog, activityDelayMs: 5))
        {
            await host.StartOrchestrationAsync("FanOut", FanOutSize, id);
            await WaitForActivityLinesAsync(id, 200, host.Child);
            workerPid = WorkerPids(id).Single();
            host.KillHostOnly();
            await WaitUntilGoneAsync(workerPid, TimeSpan.FromSeconds(10));
        }

        var executedBeforeRestart = Lines(id).Count;
        Assert.InRange(executedBeforeRestart, 200, FanOutSize + 200);

        await using (var host = await HostProcess.StartAsync(port, _dataPath, ActivityLog, activityDelayMs: 5))
        {
            var done = await host.WaitForCompletionAsync(id, TimeSpan.FromSeconds(180));
            Assert.Equal("Completed", done.GetProperty("runtimeStatus").GetString());
            Assert.Equal(ExpectedSum, done.GetProperty("output").GetInt64());
            await AssertEveryTaskCompletedOnceAsync(host, id, FanOutSize);
        }

        // Every item ran at least once; some ran twice (in flight at the kill), none is counted twice in the output.
        var items = Lines(id).Select(l => int.Parse(l.Split('\t')[1], CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(Enumerable.Range(0, FanOutSize), items.Distinct().Order());
        Assert.True(WorkerPids(id).Count >= 2, "the restarted host ran a new worker");
    }

    [Fact]
    public async Task KillWorker_MidFanOut_HostRestartsItAndEverythingCompletesOnce()
    {
        var port = ChildProcess.FreePort();
        const string id = "crash-worker";
        await using var host = await HostProcess.StartAsync(port, _dataPath, ActivityLog, activityDelayMs: 5);
        await host.StartOrchestrationAsync("FanOut", 300, id);
        await WaitForActivityLinesAsync(id, 60, host.Child);
        var firstWorker = WorkerPids(id).Single();
        using (var worker = System.Diagnostics.Process.GetProcessById(firstWorker))
        {
            worker.Kill();
            Assert.True(worker.WaitForExit(10_000));
        }

        var done = await host.WaitForCompletionAsync(id, TimeSpan.FromSeconds(120));
        Assert.Equal("Completed", done.GetProperty("runtimeStatus").GetString());
        Assert.Equal(Enumerable.Range(0, 300).Sum(i => (long)i * i), done.GetProperty("output").GetInt64());
        await AssertEveryTaskCompletedOnceAsync(host, id, 300);
        Assert.Contains(WorkerPids(id), pid => pid != firstWorker);
        Assert.False(host.Child.HasExited);
    }

    [Fact]
    public async Task TwoHostsOneAzureStorageHub_KillOneMidRun_TheOtherFinishesEverything()
    {
        await using var azurite = await AzuriteFixture.StartAsync();
        var hub = "twohosts" + Guid.NewGuid().ToString("N")[..8];
        string[] settings =
        [
            "--LocalRuntime:DurableStore", "azurestorage",
            "--AzureWebJobsStorage", azurite.ConnectionString,
            "--AzureFunctionsJobHost:extensions:durableTask:hubName", hub,
            "--AzureFunctionsJobHost:extensions:durableTask:storageProvider:partitionCount", "2",
            // Microsoft's provider sends a checkpoint's activity messages before it writes the history: messages of a host killed
            // in between come back only after this timeout (default 5 min), when the surviving host replays the orchestration.
            "--AzureFunctionsJobHost:extensions:durableTask:storageProvider:controlQueueVisibilityTimeout", "00:00:20",
            "--AzureFunctionsJobHost:extensions:durableTask:storageProvider:workItemQueueVisibilityTimeout", "00:00:20",
        ];
        var dataA = Path.Combine(_dataPath, "a");
        var dataB = Path.Combine(_dataPath, "b");
        Directory.CreateDirectory(dataA);
        Directory.CreateDirectory(dataB);
        const string id = "two-hosts";
        await using var a = await HostProcess.StartAsync(ChildProcess.FreePort(), dataA, ActivityLog, activityDelayMs: 20, settings);
        await using var b = await HostProcess.StartAsync(ChildProcess.FreePort(), dataB, ActivityLog, activityDelayMs: 20, settings);
        await a.StartOrchestrationAsync("FanOut", 200, id);
        await WaitForActivityLinesAsync(id, 20, a.Child);
        a.KillHostOnly();

        var done = await b.WaitForCompletionAsync(id, TimeSpan.FromSeconds(240));
        Assert.Equal("Completed", done.GetProperty("runtimeStatus").GetString());
        Assert.Equal(Enumerable.Range(0, 200).Sum(i => (long)i * i), done.GetProperty("output").GetInt64());

        // Every task's result is in the history. Microsoft's provider may also record completions of the dead host's episode
        // again (the surviving host replays it and both generations of messages arrive); the orchestrator takes one result
        // per task, which the exact sum above shows.
        var results = (await CompletedResultsAsync(b, id)).Distinct().ToList();
        Assert.Equal(200, results.Count);
    }

    private static async Task<List<string>> CompletedResultsAsync(HostProcess host, string id)
    {
        using var response = await host.Http.GetAsync($"/runtime/webhooks/durabletask/instances/{Uri.EscapeDataString(id)}?showHistory=true&showHistoryOutput=true");
        var status = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        return [.. status.GetProperty("historyEvents").EnumerateArray()
            .Where(e => e.GetProperty("EventType").GetString() == "TaskCompleted")
            .Select(e => e.GetProperty("Result").GetRawText())];
    }

    /// <summary>The committed history holds exactly one completion per scheduled activity.</summary>
    private static async Task AssertEveryTaskCompletedOnceAsync(HostProcess host, string id, int count)
    {
        var status = (await host.StatusAsync(id, history: true))!.Value;
        var history = status.GetProperty("historyEvents").EnumerateArray().ToList();
        var completed = history.Where(e => e.GetProperty("EventType").GetString() == "TaskCompleted").ToList();
        Assert.Equal(count, completed.Count);
    }

    private List<string> Lines(string id) => File.Exists(ActivityLog)
        ? [.. File.ReadLines(ActivityLog).Where(l => l.StartsWith(id + "\t", StringComparison.Ordinal))]
        : [];

    private List<int> WorkerPids(string id) =>
        [.. Lines(id).Select(l => int.Parse(l.Split('\t')[2], CultureInfo.InvariantCulture)).Distinct()];

    private async Task WaitForActivityLinesAsync(string id, int count, ChildProcess host)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (Lines(id).Count < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"only {Lines(id).Count} of {count} activities ran: {host.Output}");
            await Task.Delay(10);
        }
    }

    private static async Task WaitUntilGoneAsync(int pid, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (Directory.Exists($"/proc/{pid}") && !IsZombie(pid))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the worker (pid {pid}) outlived its host");
            await Task.Delay(20);
        }
    }

    private static bool IsZombie(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/stat").Split(' ')[2] == "Z";
        }
        catch (IOException)
        {
            return true;
        }
    }
}
