using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LoadGen;

/// <summary>
/// Optional: the same fan-out through a running host's HTTP API (loopback only): POST /api/workflows
/// with N independent echo tasks, then follow the status URL until the workflow finishes.
/// </summary>
internal static class HttpWorkflow
{
    private static readonly HttpClient Client = new() { Timeout = TimeSpan.FromSeconds(60) };
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(10);

    public static Scenario Scenario(Uri baseUrl, int tasks)
    {
        if (!baseUrl.IsLoopback)
        {
            throw new ArgumentException("LoadGen only loads loopback hosts.", nameof(baseUrl));
        }

        return new Scenario(
            $"HTTP workflow of {tasks:N0} echo tasks",
            null,
            tasks,
            "tasks",
            _ => RunAsync(baseUrl, tasks),
            () => Baselines.FanOutAsync(tasks),
            "— (embedded SQLite host)");
    }

    private static async Task RunAsync(Uri baseUrl, int tasks)
    {
        var body = new JsonObject
        {
            ["max_parallelism"] = tasks,
            ["tasks"] = new JsonArray([.. Enumerable.Range(1, tasks).Select(i => (JsonNode)new JsonObject
            {
                ["task_id"] = $"t{i}",
                ["task_type"] = "echo",
                ["payload"] = new JsonObject { ["n"] = i },
            })]),
        };
        using var response = await Client.PostAsJsonAsync(new Uri(baseUrl, "api/workflows"), body);
        response.EnsureSuccessStatusCode();
        var accepted = await response.Content.ReadFromJsonAsync<JsonElement>();
        var status = new Uri(accepted.GetProperty("statusQueryGetUri").GetString()!);
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(120))
        {
            using var poll = await Client.GetAsync(status);
            var json = await poll.Content.ReadFromJsonAsync<JsonElement>();
            var runtimeStatus = json.GetProperty("runtimeStatus").GetString();
            if (runtimeStatus is "Completed")
            {
                return;
            }

            if (runtimeStatus is "Failed" or "Terminated")
            {
                throw new InvalidOperationException($"Workflow ended {runtimeStatus}.");
            }

            await Task.Delay(PollInterval);
        }

        throw new TimeoutException("The workflow did not finish within 120 s.");
    }
}
