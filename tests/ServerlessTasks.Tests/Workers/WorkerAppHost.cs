using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace ServerlessTasks.Tests.Workers;

/// <summary>The app with short worker timings (dead after 6 s, leases of 8 s), for worker, lease and proctor tests.</summary>
public class WorkerAppHost : AppHost
{
    protected override IEnumerable<KeyValuePair<string, string>> WorkerSettings() =>
    [
        new("Workers__HeartbeatIntervalSeconds", "1"),
        new("Workers__DeadAfterSeconds", "6"),
        new("Workers__LeaseTimeoutSeconds", "8"),
        new("Workers__NoWorkerAfterSeconds", "1"),
        new("Workers__ForgetDeadAfterSeconds", "30"),
    ];

    /// <summary>Registers a worker (asserting 200 or 201).</summary>
    public async Task RegisterAsync(string workerId, string capabilities, int max = 4)
    {
        using var response = await PostAsync("/api/workers/register", $$"""{"worker_id":"{{workerId}}","capabilities":[{{capabilities}}],"max_concurrent_tasks":{{max}}}""");
        Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Created, $"register {workerId}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>Leases (asserting 200) and returns the tasks.</summary>
    public async Task<JsonElement[]> LeaseAsync(string workerId, int maxTasks = 1, double waitSeconds = 10)
    {
        using var response = await PostAsync($"/api/workers/{workerId}/lease", $$"""{"max_tasks":{{maxTasks}},"wait_seconds":{{waitSeconds}}}""");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"lease {workerId}: {(int)response.StatusCode} {text}{Describe()}");
        return [.. JsonDocument.Parse(text).RootElement.GetProperty("tasks").EnumerateArray().Select(t => t.Clone())];
    }

    /// <summary>Leases until a task comes (bounded).</summary>
    public async Task<JsonElement> LeaseOneAsync(string workerId)
    {
        var deadline = DateTime.UtcNow + DefaultWait;
        while (true)
        {
            var tasks = await LeaseAsync(workerId, 1, 5);
            if (tasks.Length > 0)
            {
                return tasks[0];
            }

            Assert.True(DateTime.UtcNow < deadline, $"No task was leased to {workerId}.{Describe()}");
        }
    }

    /// <summary>GET /api/tasks/{id} (single task), once it answers 200.</summary>
    public async Task<JsonElement> WaitForTaskAsync(string taskId, Func<JsonElement, bool> condition, string? workflowId = null)
    {
        var deadline = DateTime.UtcNow + DefaultWait;
        var query = workflowId is null ? string.Empty : $"?workflow_id={Uri.EscapeDataString(workflowId)}";
        JsonElement last = default;
        while (true)
        {
            using var response = await Http.GetAsync($"/api/tasks/{Uri.EscapeDataString(taskId)}{query}");
            if (response.StatusCode == HttpStatusCode.OK)
            {
                last = await response.Content.ReadFromJsonAsync<JsonElement>();
                if (condition(last))
                {
                    return last;
                }
            }

            Assert.True(DateTime.UtcNow < deadline, $"Task {taskId} never reached the expected state; last {last}{Describe()}");
            await Task.Delay(20);
        }
    }
}
