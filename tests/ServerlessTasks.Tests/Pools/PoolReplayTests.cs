using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace ServerlessTasks.Tests.Pools;

/// <summary>
/// The app with one pool over approval tasks, and extended sessions that outlive a worker restart (the host keeps an
/// idle session for 5 minutes), so the next episode of a waiting workflow goes to a worker without its cached replay.
/// </summary>
public sealed class PoolReplayAppHost : AppHost
{
    protected override IEnumerable<KeyValuePair<string, string>> WorkerSettings() =>
    [
        new("Pools__gate__Capacity", "2"),
        new("Pools__gate__TaskTypes", "approval"),
    ];

    protected override IEnumerable<string> HostArguments() =>
        ["--AzureFunctionsJobHost:extensions:durableTask:extendedSessionIdleTimeoutInSeconds", "300"];
}

/// <summary>
/// A pooled task's workflow replayed in full by a new worker while the host's extended session goes on. The host resumes
/// the session without history, the new worker asks for it (RequiresHistory), and the host resends everything: the
/// replay must take the same entity call (the pool's acquire) as the first run. Before the fix the resend lacked the
/// entity parameters, the replayed entity call threw inside DTFx's entity context, the orchestrator scheduled its index
/// flush first instead, and the worker failed the workflow as nondeterministic (EventSent 'op' at sequence 0).
/// </summary>
public sealed class PoolReplayTests(PoolReplayAppHost host) : IClassFixture<PoolReplayAppHost>
{
    private static Dictionary<string, JsonElement> Tasks(JsonElement workflow) =>
        workflow.GetProperty("tasks").EnumerateArray().ToDictionary(t => t.GetProperty("task_id").GetString()!);

    [Fact]
    public async Task PooledApproval_WorkerKilledWhileItWaits_NewWorkerReplaysTheEntityCallAndTheWorkflowCompletes()
    {
        var id = await host.SubmitAsync("""
            {"tasks":[
              {"task_id":"gate","task_type":"approval"},
              {"task_id":"after","task_type":"echo","payload":3,"dependencies":["gate"]}]}
            """);

        // The slot's grant (the entity's answer) is in the history, and after it the approval's timeout timer: the workflow
        // now waits for the approval alone.
        await WaitForHistoryAsync(id, events =>
            events.Any(e => e.GetProperty("EventType").GetString() == "EventSent")
            && events.SkipWhile(e => e.GetProperty("EventType").GetString() != "EventRaised").Any(e => e.GetProperty("EventType").GetString() == "TimerCreated"));
        var killed = await host.KillWorkerAsync();

        using (var approve = await host.PostAsync($"/api/workflows/{id}/events/approval:gate", """{"ok":true}"""))
        {
            Assert.Equal(HttpStatusCode.Accepted, approve.StatusCode);
        }

        var workflow = await host.WaitForWorkflowAsync(id);
        Assert.True(workflow.GetProperty("status").GetString() == "completed", $"{workflow}{Environment.NewLine}{await host.InstanceReportAsync(id)}{host.Describe()}");
        Assert.True(Tasks(workflow)["gate"].GetProperty("result").GetProperty("ok").GetBoolean());
        Assert.Equal(3, Tasks(workflow)["after"].GetProperty("result").GetInt32());
        Assert.NotEqual(killed, host.Host.Worker.ProcessId);
    }

    private async Task WaitForHistoryAsync(string id, Func<IReadOnlyList<JsonElement>, bool> condition)
    {
        var deadline = DateTime.UtcNow + AppHost.DefaultWait;
        while (true)
        {
            var status = await host.Http.GetFromJsonAsync<JsonElement>($"/runtime/webhooks/durabletask/instances/{id}?showHistory=true");
            var events = status.TryGetProperty("historyEvents", out var history) ? history.EnumerateArray().ToList() : [];
            if (condition(events))
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the history of {id} never reached the expected state: {status}{host.Describe()}");
            await Task.Delay(20);
        }
    }
}
