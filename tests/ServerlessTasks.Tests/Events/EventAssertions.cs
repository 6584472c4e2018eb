using System.Net.Http.Json;
using System.Text.Json;
using ServerlessTasks.Domain.Clock;

namespace ServerlessTasks.Tests.Events;

/// <summary>An event as the API returns it.</summary>
public sealed record EventRow(string WorkflowId, string? TaskId, string Kind, HlcTimestamp Hlc, int Attempt)
{
    public static EventRow From(JsonElement e) => new(
        e.GetProperty("workflow_id").GetString()!,
        e.TryGetProperty("task_id", out var task) ? task.GetString() : null,
        e.GetProperty("kind").GetString()!,
        HlcTimestamp.Parse(e.GetProperty("hlc").GetString()!),
        e.GetProperty("attempt").GetInt32());
}

public static class EventAssertions
{
    public static async Task<IReadOnlyList<EventRow>> GetWorkflowEventsAsync(HttpClient http, string workflowId)
    {
        var body = await http.GetFromJsonAsync<JsonElement>($"/api/workflows/{workflowId}/events");
        return [.. body.GetProperty("events").EnumerateArray().Select(EventRow.From)];
    }

    /// <summary>Polls until the journal holds the workflow's completion events for every task (with a deadline).</summary>
    public static async Task<IReadOnlyList<EventRow>> WaitForEventsAsync(HttpClient http, string workflowId, int tasks, TimeSpan? within = null, Func<int, string>? describe = null)
    {
        var deadline = DateTime.UtcNow + (within ?? AppHost.DefaultWait);
        while (true)
        {
            using var response = await http.GetAsync($"/api/workflows/{workflowId}/events");
            if (response.IsSuccessStatusCode)
            {
                var body = await response.Content.ReadFromJsonAsync<JsonElement>();
                var events = body.GetProperty("events").EnumerateArray().Select(EventRow.From).ToList();
                if (events.Count(e => e.Kind == "completed") == tasks)
                {
                    return events;
                }
            }

            Assert.True(DateTime.UtcNow < deadline, $"The events of {workflowId} did not arrive in time.{describe?.Invoke(40)}");
            await Task.Delay(20);
        }
    }

    /// <summary>Causality by HLC: each task's own events strictly increase; a task starts after its dependencies completed.</summary>
    public static void AssertCausal(IReadOnlyList<EventRow> events, IReadOnlyDictionary<string, string[]> dependencies)
    {
        Assert.Equal(events.OrderBy(e => e.Hlc).Select(e => e.Hlc), events.Select(e => e.Hlc)); // returned in HLC order
        var submitted = Assert.Single(events, e => e.Kind == "submitted");
        foreach (var (task, deps) in dependencies)
        {
            var own = events.Where(e => e.TaskId == task).ToList();
            Assert.Equal(["ready", "dispatched", "started", "completed"], own.Select(e => e.Kind));
            for (var i = 1; i < own.Count; i++)
            {
                Assert.True(own[i].Hlc > own[i - 1].Hlc, $"{task}: {own[i].Kind} {own[i].Hlc} is not after {own[i - 1].Kind} {own[i - 1].Hlc}");
            }

            Assert.True(own[0].Hlc > submitted.Hlc);
            var dispatched = own.Single(e => e.Kind == "dispatched").Hlc;
            var started = own.Single(e => e.Kind == "started").Hlc;
            Assert.NotEqual(dispatched.NodeId, started.NodeId); // stamped by the orchestration and by the host
            foreach (var dep in deps)
            {
                var completed = events.Single(e => e.TaskId == dep && e.Kind == "completed").Hlc;
                Assert.True(dispatched > completed, $"{task} dispatched {dispatched} before {dep} completed {completed}");
                Assert.True(started > completed, $"{task} started {started} before {dep} completed {completed}");
            }
        }
    }
}
