using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ServerlessTasks.Tests.Callbacks;

namespace ServerlessTasks.Tests.Workers;

/// <summary>
/// RELIABILITY.md 4b with real processes: the host exe as a child process, three reference workers as child processes
/// leasing a 500-task workflow; one is SIGKILLed holding leases; after the heartbeat timeout the proctor (its timer)
/// re-queues them, the others finish; every task is committed exactly once and the dead worker's old tokens are refused.
/// </summary>
public sealed class WorkerCrashTests
{
    private const int Tasks = 500;

    [Pools.AcceptanceFact] // minutes here: ST_ACCEPTANCE=1 runs it
    [Trait("Category", "Acceptance")]
    public async Task KillWorker_HoldingLeases_ProctorReassigns_EveryTaskCommittedOnce_LateTokenRefused()
    {
        var folder = Path.Combine(Path.GetTempPath(), "st-crash-workers-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        try
        {
            await using var host = await AppProcess.StartAsync(folder,
                "--LocalRuntime:Host:WorkerEnvironment:Workers__DeadAfterSeconds", "5",
                "--LocalRuntime:Host:WorkerEnvironment:Workers__HeartbeatIntervalSeconds", "1");
            var url = new Uri($"http://127.0.0.1:{host.Port}/");
            var tasks = string.Join(",", Enumerable.Range(0, Tasks).Select(i => $$$"""{"task_id":"t{{{i}}}","task_type":"resize","payload":{"width":{{{i}}},"height":2,"duration_ms":300}}"""));
            using (var submit = await host.Http.PostAsync("/api/workflows", new StringContent($$"""{"workflow_id":"crash-wf","tasks":[{{tasks}}]}""", Encoding.UTF8, "application/json")))
            {
                Assert.Equal(HttpStatusCode.Accepted, submit.StatusCode);
            }

            await using var victim = ReferenceWorkerProcess.Start(url, "victim", "resize");
            await using var w2 = ReferenceWorkerProcess.Start(url, "survivor-2", "resize");
            await using var w3 = ReferenceWorkerProcess.Start(url, "survivor-3", "resize");

            // Kill the victim once it has completed some tasks and holds leases it has not finished.
            List<string> held = [];
            await Eventually.ReturnsAsync(
                () => Task.FromResult(victim.Lines),
                lines =>
                {
                    var done = lines.Count(l => l.StartsWith("completed ", StringComparison.Ordinal));
                    held = HeldLeases(lines);
                    return done >= 50 && held.Count > 0;
                },
                TimeSpan.FromSeconds(120),
                describe: _ => $"{Environment.NewLine}{victim.Tail()}{Environment.NewLine}{host.Output}");
            // SIGSTOP first, so what it wrote is final once the pipe is drained; then SIGKILL by PID.
            await victim.StopAndKillAsync();
            held = HeldLeases(victim.Lines);
            Assert.NotEmpty(held);

            var workflow = await Eventually.ReturnsAsync(
                () => host.Http.GetFromJsonAsync<JsonElement>("/api/workflows/crash-wf"),
                w => w.GetProperty("status").GetString() is not ("pending" or "running"),
                TimeSpan.FromSeconds(150),
                describe: _ => $"{Environment.NewLine}{w2.Tail()}{Environment.NewLine}{host.Output}");
            Assert.Equal("completed", workflow.GetProperty("status").GetString());

            // Exactly once: one accepted completion per task over all workers, one completed event per task in the journal.
            var accepted = victim.Lines.Concat(w2.Lines).Concat(w3.Lines)
                .Where(l => l.StartsWith("completed ", StringComparison.Ordinal) && l.EndsWith(" accepted", StringComparison.Ordinal))
                .Select(l => l.Split(' ')[1]).ToList();
            // (An outcome the service accepted just before the kill may lack its line in the victim's output.)
            Assert.Equal(accepted.Count, accepted.Distinct(StringComparer.Ordinal).Count());
            Assert.InRange(accepted.Count, Tasks - held.Count, Tasks);
            var events = await host.Http.GetFromJsonAsync<JsonElement>("/api/workflows/crash-wf/events");
            var list = events.GetProperty("events").EnumerateArray().ToList();
            var completed = list.Where(e => e.GetProperty("kind").GetString() == "completed").Select(e => e.GetProperty("task_id").GetString()).ToList();
            Assert.Equal(Tasks, completed.Count);
            Assert.Equal(Tasks, completed.Distinct(StringComparer.Ordinal).Count());
            // Re-queued by the proctor: only the victim's leases. (A lease whose response was in flight at the kill is re-queued
            // without a line in the victim's output; a completion accepted in flight has no line either and is not re-queued.)
            var requeuedEvents = list.Where(e => e.GetProperty("kind").GetString() == "requeued").ToList();
            Assert.NotEmpty(requeuedEvents);
            Assert.All(requeuedEvents, e => Assert.Contains("'victim'", e.GetProperty("detail").GetString(), StringComparison.Ordinal));
            var requeued = requeuedEvents.Select(e => e.GetProperty("task_id").GetString()!).ToHashSet(StringComparer.Ordinal);

            // The dead worker's tokens of re-queued tasks are superseded: refused, and nothing changes.
            var lateTokens = held.Where(h => requeued.Contains(h.Split(' ')[1])).Select(h => h.Split(' ')[^1]).ToList();
            Assert.NotEmpty(lateTokens);
            foreach (var token in lateTokens)
            {
                using var late = await host.Http.PostAsync($"/api/leases/{token}/complete", new StringContent("""{"worker_id":"victim","result":"late"}""", Encoding.UTF8, "application/json"));
                Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
            }

            var after = await host.Http.GetFromJsonAsync<JsonElement>("/api/workflows/crash-wf/events");
            Assert.Equal(Tasks, after.GetProperty("events").EnumerateArray().Count(e => e.GetProperty("kind").GetString() == "completed"));

            // The survivors drain on SIGTERM and deregister.
            Assert.Equal(0, await w2.TerminateAsync(TimeSpan.FromSeconds(30)));
            Assert.Contains(w2.Lines, l => l.StartsWith("stopped survivor-2", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Leases ("leased {task} attempt {n} lease {token}") with no outcome line after them.</summary>
    private static List<string> HeldLeases(IReadOnlyList<string> lines)
    {
        var finished = lines.Where(l => l.StartsWith("completed ", StringComparison.Ordinal) || l.StartsWith("failed", StringComparison.Ordinal))
            .Select(l => l.Split(' ')[1] + "#" + l.Split(' ')[3]).ToHashSet(StringComparer.Ordinal);
        return [.. lines.Where(l => l.StartsWith("leased ", StringComparison.Ordinal)).Where(l => !finished.Contains(l.Split(' ')[1] + "#" + l.Split(' ')[3]))];
    }
}
