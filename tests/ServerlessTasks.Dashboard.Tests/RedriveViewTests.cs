using System.Net;
using System.Text.Json;
using Microsoft.Playwright;

namespace ServerlessTasks.Dashboard.Tests;

/// <summary>
/// The redrive actions from the UI against the API's endpoints: rerun a finished workflow's failed task (its skipped
/// dependent runs with it, completed tasks are kept as they were), and redrive a dead-lettered standalone task.
/// </summary>
[Collection(DashboardCollection.Name)]
public sealed class RedriveViewTests(DashboardFixture app)
{
    [Fact]
    public async Task RerunButton_FailedTaskOfFinishedWorkflowEnterPressed_RerunsItAndItsDependentToCompleted()
    {
        // flaky fails its only attempt (max_retries 0), so the workflow fails and after is skipped; its rerun (attempt 2) succeeds.
        await app.SubmitAsync("""{"workflow_id": "rerun-ui-1", "tasks": [{"task_id": "ok", "task_type": "echo", "payload": 1}, {"task_id": "flaky", "task_type": "fail", "payload": {"fail_times": 1}, "max_retries": 0}, {"task_id": "after", "task_type": "echo", "payload": 2, "dependencies": ["ok", "flaky"]}]}""");
        var failed = await app.WaitForWorkflowAsync("rerun-ui-1");
        Assert.Equal("failed", failed.GetProperty("status").GetString());
        var okBefore = TaskOf(failed, "ok");

        await using var dashboard = await app.OpenAsync("#/workflow/rerun-ui-1?task=after");
        await dashboard.ReadyAsync("/workflow/rerun-ui-1");
        await Assertions.Expect(dashboard.Page.Locator("#details")).ToContainTextAsync("Rerun applies to a failed or cancelled task (this one is skipped).");
        await dashboard.Page.Locator("#graph g.node[data-task-id=flaky]").FocusAsync();
        await dashboard.Page.Keyboard.PressAsync("Enter");
        var rerun = dashboard.Page.GetByRole(AriaRole.Button, new() { Name = "Retry flaky and rerun its dependents" });
        await rerun.FocusAsync();
        await dashboard.Page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(dashboard.Page.Locator("#toast")).ToContainTextAsync("Rerun from flaky requested.");

        var done = await app.WaitUntilAsync("rerun-ui-1", w => w.GetProperty("status").GetString() == "completed", TimeSpan.FromSeconds(60));
        await Assertions.Expect(dashboard.Page.Locator("#workflow-status")).ToHaveAttributeAsync("data-status", "completed", new() { Timeout = 60_000 });
        foreach (var task in new[] { "ok", "flaky", "after" })
        {
            await Assertions.Expect(dashboard.Page.Locator($"#graph g.node[data-task-id={task}]")).ToHaveAttributeAsync("data-status", "completed", new() { Timeout = 30_000 });
        }

        Assert.Equal(2, TaskOf(done, "flaky").GetProperty("attempts").GetInt32());
        var okAfter = TaskOf(done, "ok");
        Assert.Equal(okBefore.GetProperty("completed_at").GetString(), okAfter.GetProperty("completed_at").GetString());
        Assert.Equal(okBefore.GetProperty("result").GetRawText(), okAfter.GetProperty("result").GetRawText());
        await dashboard.ScreenshotAsync("rerun");
        Assert.True(dashboard.Errors.Count == 0, string.Join(Environment.NewLine, dashboard.Errors));
    }

    [Fact]
    public async Task RedriveTaskButton_DeadLetteredTask_RunsItAgainToCompleted()
    {
        using (var submit = await app.PostAsync("/api/tasks", """{"task_id": "dead-ui-1", "task_type": "fail", "payload": {"fail_times": 1}, "max_retries": 0}"""))
        {
            var body = JsonDocument.Parse(await submit.Content.ReadAsStringAsync()).RootElement.Clone();
            Assert.True(submit.StatusCode == HttpStatusCode.Accepted, $"{(int)submit.StatusCode} {body}");
            // Done once the orchestration finished (the index says failed a moment before; a redrive then is refused).
            await app.PollUntilDoneAsync(body.GetProperty("statusQueryGetUri").GetString()!);
        }

        var letters = await app.GetJsonAsync("/api/dead-letters/tasks?limit=1000");
        var letter = letters.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("task_id").GetString() == "dead-ui-1");

        await using var dashboard = await app.OpenAsync("#/dead-letters");
        await dashboard.ReadyAsync("/dead-letters");
        var row = dashboard.Page.Locator("#dead-tasks tr[data-task-id='dead-ui-1']");
        await Assertions.Expect(row).ToContainTextAsync(letter.GetProperty("error").GetString()!);
        await dashboard.ScreenshotAsync("dead-letters-tasks");
        await dashboard.Page.GetByRole(AriaRole.Button, new() { Name = "Redrive task dead-ui-1" }).ClickAsync();
        await Assertions.Expect(dashboard.Page.Locator("#toast")).ToContainTextAsync("Task dead-ui-1 redriven.");

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        JsonElement task;
        while ((task = await app.GetJsonAsync("/api/tasks/dead-ui-1")).GetProperty("status").GetString() != "completed")
        {
            Assert.True(DateTime.UtcNow < deadline, $"the redriven task did not complete: {task}");
            await Task.Delay(100);
        }

        Assert.Equal(2, task.GetProperty("attempts").GetInt32());
        Assert.Equal(1, task.GetProperty("redrives").GetInt32());
        await Assertions.Expect(row).ToHaveCountAsync(0); // the list was re-read after the redrive
        Assert.True(dashboard.Errors.Count == 0, string.Join(Environment.NewLine, dashboard.Errors));
    }

    private static JsonElement TaskOf(JsonElement workflow, string taskId) =>
        workflow.GetProperty("tasks").EnumerateArray().Single(t => t.GetProperty("task_id").GetString() == taskId);
}
