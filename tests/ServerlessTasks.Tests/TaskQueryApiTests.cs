using System.Net;
using System.Text.Json;

namespace ServerlessTasks.Tests;

/// <summary>The task lists over HTTP answered by the index's own query: the dashboard's filters and <c>GET /api/tasks</c>'s single tasks.</summary>
public class TaskQueryApiTests(AppHost host) : IClassFixture<AppHost>
{
    [Fact]
    public async Task DashboardTasks_PriorityPrefixAndStatusFilters_ExactItemsAndTotals()
    {
        foreach (var (id, priority) in new[] { ("filt-a1", 3), ("filt-a2", 7), ("filt-b1", 7) })
        {
            using var submit = await host.PostAsync("/api/tasks", $$"""{"task_id":"{{id}}","task_type":"echo","payload":1,"priority":{{priority}}}""");
            Assert.Equal(HttpStatusCode.Accepted, submit.StatusCode);
        }

        await host.SubmitAsync("""{"workflow_id":"filt-wf","tasks":[{"task_id":"x","task_type":"echo","payload":2,"priority":7}]}""");
        await host.WaitForWorkflowAsync("filt-wf");
        await WaitForAsync("/api/tasks?status=completed", page => page.GetProperty("total").GetInt32() == 3);

        // Oldest first by the index's own order (which task's first update landed first is not fixed): compared as sets,
        // and a page is compared with the same rows of the whole list.
        var sevens = Ids(await GetAsync("/api/dashboard/data/tasks?priority=7"));
        Assert.Equal(["filt-a2", "filt-b1", "x"], sevens.Order(StringComparer.Ordinal));
        Assert.Equal(["filt-a2"], Ids(await GetAsync("/api/dashboard/data/tasks?priority=7&prefix=filt-a")));
        Assert.Equal(["x"], Ids(await GetAsync("/api/dashboard/data/tasks?prefix=filt-wf&status=completed")));
        var paged = await GetAsync("/api/dashboard/data/tasks?priority=7&limit=1&offset=1");
        Assert.Equal([sevens[1]], Ids(paged));
        Assert.Equal(3, paged.GetProperty("total").GetInt32());
        Assert.Equal(0, (await GetAsync("/api/dashboard/data/tasks?prefix=filt-&created_to=2000-01-01T00:00:00Z")).GetProperty("total").GetInt32());
        Assert.Equal(["filt-a1", "filt-a2", "filt-b1"], Ids(await GetAsync("/api/tasks")).Order(StringComparer.Ordinal));
    }

    private static string[] Ids(JsonElement page) =>
        [.. page.GetProperty("items").EnumerateArray().Select(t => t.GetProperty("task_id").GetString()!)];

    private async Task<JsonElement> GetAsync(string path)
    {
        using var response = await host.Http.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private async Task WaitForAsync(string path, Func<JsonElement, bool> condition)
    {
        var deadline = DateTime.UtcNow + AppHost.DefaultWait;
        JsonElement last;
        while (!condition(last = await GetAsync(path)))
        {
            Assert.True(DateTime.UtcNow < deadline, $"{path} never reached the state; last {last}{host.Describe()}");
            await Task.Delay(50);
        }
    }
}
