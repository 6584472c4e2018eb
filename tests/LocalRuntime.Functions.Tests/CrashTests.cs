using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ServerlessTasks.Testing;
using Xunit.Abstractions;

namespace LocalRuntime.Functions.Tests;

/// <summary>Crash runs time real processes and durable timers: they run alone, not beside the other test classes.</summary>
[CollectionDefinition(nameof(CrashTests), DisableParallelization = true)]
public sealed class CrashTestsCollection;

/// <summary>One fault-free run of the 1,000-activity fan-out, shared by the kill-point runs.</summary>
public sealed class FaultFreeFanOut : IAsyncLifetime
{
    public long Output { get; private set; }

    public async Task InitializeAsync()
    {
        using var folder = new TempFolder();
        await using var host = await HostProcess.StartAsync(folder.File("durable.db"), folder.File("activities.log"), CrashTests.ActivityDelayMs);
        var id = await CrashTests.StartAsync(host, "FanOut", CrashTests.Activities, "fanout-reference");
        var status = await CrashTests.WaitForCompletionAsync(host, id);
        Output = status.GetProperty("output").GetInt64();
    }

    public Task DisposeAsync() => Task.CompletedTask;
}

/// <summary>
/// Issue 3's crash acceptance with a real process: kill -9 the host during a 1,000-activity fan-out at several
/// points, restart it on the same SQLite file, and check exactly-once commits, the fault-free output, and a
/// durable timer pending across the kill firing once.
/// </summary>
[Collection(nameof(CrashTests))]
public sealed class CrashTests(FaultFreeFanOut reference, ITestOutputHelper output) : IClassFixture<FaultFreeFanOut>
{
    public const int Activities = 1_000;

    /// <summary>Each activity takes this long after logging, so a kill always finds some logged but not committed.</summary>
    public const int ActivityDelayMs = 40;

    [Theory]
    [InlineData(100)]
    [InlineData(500)]
    [InlineData(900)]
    public async Task KillDuringFanOut_Restart_EachTaskCommittedOnceOutputMatchesTimerFiresOnce(int killAfterLines)
    {
        using var folder = new TempFolder();
        var db = folder.File("durable.db");
        var log = folder.File("activities.log");
        var fanOut = $"fanout-{killAfterLines}";
        var timer = $"timer-{killAfterLines}";
        var watch = System.Diagnostics.Stopwatch.StartNew();

        DateTimeOffset killedAt;
        DateTimeOffset timerFireAt;
        int linesAtKill;
        await using (var first = await HostProcess.StartAsync(db, log, ActivityDelayMs))
        {
            await StartAsync(first, "FanOut", Activities, fanOut);
            await Eventually.TrueAsync(() => CountLines(log) >= killAfterLines, $"the fan-out did not reach {killAfterLines} activities", TimeSpan.FromSeconds(30));

            // A 3 s durable timer, created (committed) just before the kill, so it is pending across it.
            await StartAsync(first, "TimerThenActivity", 3, timer);
            timerFireAt = default;
            await Eventually.TrueAsync(async () =>
            {
                var history = await HistoryAsync(first, timer);
                var created = history.FirstOrDefault(e => e.GetProperty("EventType").GetString() == "TimerCreated");
                if (created.ValueKind == JsonValueKind.Undefined)
                {
                    return false;
                }

                timerFireAt = DateTimeOffset.Parse(created.GetProperty("FireAt").GetString()!, CultureInfo.InvariantCulture);
                return true;
            }, "the timer was not created", TimeSpan.FromSeconds(30));

            first.Kill();
            killedAt = DateTimeOffset.UtcNow;
            linesAtKill = CountLines(log);
        }

        Assert.True(linesAtKill < Activities, $"the fan-out finished ({linesAtKill} lines) before the kill; the kill point was missed");
        Assert.True(killedAt < timerFireAt, $"the timer (due {timerFireAt:O}) fired before the kill at {killedAt:O}");

        await using (var second = await HostProcess.StartAsync(db, log, ActivityDelayMs))
        {
            var status = await WaitForCompletionAsync(second, fanOut);
            Assert.Equal("Completed", status.GetProperty("runtimeStatus").GetString());
            Assert.Equal(reference.Output, status.GetProperty("output").GetInt64());

            // Committed exactly once: one TaskScheduled and one TaskCompleted per task id.
            var history = await HistoryAsync(second, fanOut);
            var completed = history.Where(e => e.GetProperty("EventType").GetString() == "TaskCompleted").Select(e => e.GetProperty("ScheduledId").GetInt32()).ToList();
            var scheduled = history.Where(e => e.GetProperty("EventType").GetString() == "TaskScheduled").Select(e => e.GetProperty("ScheduledId").GetInt32()).ToList();
            Assert.Equal(Activities, scheduled.Count);
            Assert.Equal(Activities, completed.Count);
            Assert.Equal(scheduled.Order(), completed.Order());
            Assert.All(completed.GroupBy(id => id), g => Assert.Single(g));

            // At least once: every activity ran; those in flight at the kill ran again.
            var runs = ReadLog(log).Where(l => l.Instance == fanOut).GroupBy(l => l.Task).ToDictionary(g => g.Key, g => g.ToList());
            Assert.Equal(Activities, runs.Count);
            var again = runs.Where(r => r.Value.Count > 1).ToList();
            Assert.NotEmpty(again);
            Assert.All(again, r => Assert.True(r.Value.Select(l => l.ProcessId).Distinct().Count() > 1, $"task {r.Key} ran twice in one process"));

            // The timer pending across the kill fired once, and its follow-up activity ran once.
            var timerStatus = await WaitForCompletionAsync(second, timer);
            Assert.Equal("fired", timerStatus.GetProperty("output").GetString());
            var timerHistory = await HistoryAsync(second, timer);
            Assert.Single(timerHistory, e => e.GetProperty("EventType").GetString() == "TimerFired");
            Assert.Single(timerHistory, e => e.GetProperty("EventType").GetString() == "TaskCompleted");
            Assert.Single(ReadLog(log), l => l.Instance == timer && l.Task == "after-timer");

            output.WriteLine(
                $"kill point {killAfterLines}: killed after {linesAtKill} activity log lines (host pid {second.ProcessId} restarted); " +
                $"{again.Count} activities ran twice (in flight at the kill), {completed.Count} TaskCompleted, each task id once; " +
                $"output {status.GetProperty("output").GetInt64()} = fault-free {reference.Output}; timer due {timerFireAt:HH:mm:ss.fff}, killed {killedAt:HH:mm:ss.fff}, fired once; " +
                $"{watch.Elapsed.TotalSeconds:0.0} s");
        }

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), $"the run took {watch.Elapsed}");
    }

    internal static async Task<string> StartAsync(ChildProcess host, string orchestrator, int input, string id)
    {
        using var response = await host.Http.PostAsync(
            $"/api/start/{orchestrator}?id={id}", new StringContent(input.ToString(CultureInfo.InvariantCulture), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return id;
    }

    internal static async Task<JsonElement> WaitForCompletionAsync(ChildProcess host, string id)
    {
        JsonElement body = default;
        await Eventually.TrueAsync(async () =>
        {
            using var response = await host.Http.GetAsync(TestApp.StatusUrl(id));
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return false;
            }

            body = await response.Content.ReadFromJsonAsync<JsonElement>();
            return true;
        }, $"{id} did not complete: {host.Output}", TimeSpan.FromSeconds(45));
        return body;
    }

    private static async Task<List<JsonElement>> HistoryAsync(ChildProcess host, string id)
    {
        var body = await host.Http.GetFromJsonAsync<JsonElement>(TestApp.StatusUrl(id) + "?showHistory=true");
        return body.TryGetProperty("historyEvents", out var events) && events.ValueKind == JsonValueKind.Array ? [.. events.EnumerateArray()] : [];
    }

    private static int CountLines(string path)
    {
        if (!File.Exists(path))
        {
            return 0;
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var count = 0;
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = stream.Read(buffer)) > 0)
        {
            count += buffer.AsSpan(0, read).Count((byte)'\n');
        }

        return count;
    }

    private static List<(string Instance, string Task, int ProcessId)> ReadLog(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var lines = new List<(string, string, int)>();
        while (reader.ReadLine() is { } line)
        {
            var parts = line.Split('\t');
            if (parts.Length == 3 && int.TryParse(parts[2], CultureInfo.InvariantCulture, out var pid))
            {
                lines.Add((parts[0], parts[1], pid));
            }
        }

        return lines;
    }
}
