using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace ServerlessTasks.Tests;

/// <summary>
/// The app's worker process killed alone (SIGKILL) while workflows wait: the host starts a new worker, and the
/// orchestrations, whose replay the old worker cached (extended sessions), go on in the new one from their history.
/// </summary>
public sealed class WorkerRestartTests(AppHost host) : IClassFixture<AppHost>
{
    private static Dictionary<string, JsonElement> Tasks(JsonElement workflow) =>
        workflow.GetProperty("tasks").EnumerateArray().ToDictionary(t => t.GetProperty("task_id").GetString()!);

    [Fact]
    public async Task WorkerKilledMidWorkflow_NewWorkerFinishesIt()
    {
        var id = await host.SubmitAsync("""
            {"tasks":[
              {"task_id":"first","task_type":"echo","payload":1},
              {"task_id":"gate","task_type":"approval","dependencies":["first"]},
              {"task_id":"after","task_type":"echo","payload":3,"dependencies":["gate"]}]}
            """);
        await host.WaitUntilAsync(id, w => Tasks(w)["gate"].GetProperty("status").GetString() == "running");
        var killed = await host.KillWorkerAsync();

        using (var approve = await host.PostAsync($"/api/workflows/{id}/events/approval:gate", """{"ok":true}"""))
        {
            Assert.Equal(HttpStatusCode.Accepted, approve.StatusCode);
        }

        var workflow = await host.WaitForWorkflowAsync(id);
        Assert.Equal("completed", workflow.GetProperty("status").GetString());
        Assert.True(Tasks(workflow)["gate"].GetProperty("result").GetProperty("ok").GetBoolean());
        Assert.Equal(3, Tasks(workflow)["after"].GetProperty("result").GetInt32());
        var status = await host.Http.GetFromJsonAsync<JsonElement>($"/runtime/webhooks/durabletask/instances/{id}");
        Assert.Equal("Completed", status.GetProperty("runtimeStatus").GetString());
        Assert.NotEqual(killed, host.Host.Worker.ProcessId);
    }
}
