using System.Net.Http.Json;
using System.Text.Json;
using ServerlessTasks.Domain.Scheduling;

namespace ServerlessTasks.Tests;

/// <summary>
/// Checks the delays a task's retries waited. Each retry's durable timer fires at the time its <c>retried</c> event was
/// stamped (the orchestration's time in that episode) plus the back-off, so the journal and the instance history
/// together give the exact delays. The task's timers must be the instance's first ones.
/// </summary>
internal static class RetryTimeline
{
    /// <summary>Asserts retries 1 to <paramref name="retries"/> of <paramref name="taskId"/> each waited <paramref name="backoff"/>'s delay (within 1 ms).</summary>
    public static async Task AssertWaitedAsync(HttpClient http, string instanceId, string taskId, RetryBackoff backoff, int retries)
    {
        var retried = await RetriedAtAsync(http, instanceId, taskId, retries);
        var fireAt = (await TimersFireAtAsync(http, instanceId)).Take(retries).ToList();
        Assert.Equal(retries, fireAt.Count);
        var seed = RetryBackoff.CreateSeed(instanceId, taskId);
        for (var retry = 1; retry <= retries; retry++)
        {
            var expected = backoff.GetDelay(retry, seed).TotalMilliseconds;
            var actual = (fireAt[retry - 1] - retried[retry - 1]).TotalMilliseconds;
            Assert.True(Math.Abs(expected - actual) <= 1, $"retry {retry} of {taskId}: waited {actual} ms, the back-off is {expected} ms");
        }
    }

    /// <summary>When the task's retried events were stamped, in retry order, once <paramref name="count"/> are in the journal.</summary>
    private static async Task<List<DateTimeOffset>> RetriedAtAsync(HttpClient http, string workflowId, string taskId, int count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var journal = await http.GetFromJsonAsync<JsonElement>($"/api/workflows/{Uri.EscapeDataString(workflowId)}/events");
            var retried = journal.GetProperty("events").EnumerateArray()
                .Where(e => e.GetProperty("kind").GetString() == "retried" && e.TryGetProperty("task_id", out var task) && task.GetString() == taskId)
                .Select(e => (Attempt: e.GetProperty("attempt").GetInt32(), At: e.GetProperty("at").GetDateTimeOffset()))
                .OrderBy(e => e.Attempt)
                .ToList();
            if (retried.Count >= count)
            {
                return [.. retried.Select(e => e.At)];
            }

            Assert.True(DateTime.UtcNow < deadline, $"the journal of {workflowId} has {retried.Count} retries of {taskId}: {journal}");
            await Task.Delay(100);
        }
    }

    /// <summary>The fire times of the instance's durable timers, in history order.</summary>
    private static async Task<List<DateTimeOffset>> TimersFireAtAsync(HttpClient http, string instanceId)
    {
        var instance = await http.GetFromJsonAsync<JsonElement>($"/runtime/webhooks/durabletask/instances/{Uri.EscapeDataString(instanceId)}?showHistory=true");
        return [.. instance.GetProperty("historyEvents").EnumerateArray()
            .Where(e => e.GetProperty("EventType").GetString() == "TimerCreated")
            .Select(e => e.GetProperty("FireAt").GetDateTimeOffset())];
    }
}
