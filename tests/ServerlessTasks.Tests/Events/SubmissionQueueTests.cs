using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LocalRuntime.Functions.Queues;
using Microsoft.Extensions.DependencyInjection;

namespace ServerlessTasks.Tests.Events;

public sealed class SubmissionQueueTests(AppHost host) : IClassFixture<AppHost>
{
    private IQueueStore Queues => host.App.Services.GetRequiredService<IQueueStore>();

    [Fact]
    public async Task Enqueue_WorkflowMessage_RunsToCompletion()
    {
        await Queues.EnqueueAsync("task-submissions", """{"workflow_id":"queued-1","tasks":[{"task_id":"a","task_type":"echo","payload":7},{"task_id":"b","task_type":"echo","dependencies":["a"]}]}""");

        var workflow = await WaitForAsync("/api/workflows/queued-1");
        var done = await host.WaitForWorkflowAsync("queued-1");
        Assert.Equal("completed", done.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Object, workflow.ValueKind);
        Assert.DoesNotContain(await Queues.PeekAllAsync("task-submissions-poison"), m => m.Body.Contains("queued-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Enqueue_SingleTaskMessageTwice_OneTaskCompletes()
    {
        const string task = """{"task_id":"queued-task-1","task_type":"echo","payload":"x"}""";
        await Queues.EnqueueAsync("task-submissions", task);
        await Queues.EnqueueAsync("task-submissions", task);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            using var response = await host.Http.GetAsync("/api/tasks/queued-task-1");
            if (response.StatusCode == HttpStatusCode.OK
                && (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString() == "completed"
                && (await Queues.PeekAllAsync("task-submissions")).Count == 0)
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, "the queued task did not complete");
            await Task.Delay(20);
        }

        Assert.DoesNotContain(await Queues.PeekAllAsync("task-submissions-poison"), m => m.Body.Contains("queued-", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("[1,2,3]")]
    [InlineData("""{"workflow":"no tasks here"}""")]
    [InlineData("""{"workflow_id":"bad-shape","tasks":"not an array"}""")]
    public async Task Enqueue_StructurallyInvalid_GoesToPoisonAtOnceAndCreatesNothing(string message)
    {
        var before = (await Queues.PeekAllAsync("task-submissions-poison")).Count(m => m.Body == message);

        await Queues.EnqueueAsync("task-submissions", message);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while ((await Queues.PeekAllAsync("task-submissions-poison")).Count(m => m.Body == message) == before)
        {
            Assert.True(DateTime.UtcNow < deadline, "the message did not reach the poison queue");
            await Task.Delay(20);
        }

        // The host writes the function's output (the poison copy) first and deletes the original after it: wait for both.
        while ((await Queues.PeekAllAsync("task-submissions")).Count > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the original message was not deleted");
            await Task.Delay(20);
        }

        using var missing = await host.Http.GetAsync("/api/workflows/bad-shape");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    private async Task<JsonElement> WaitForAsync(string path)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            using var response = await host.Http.GetAsync(path);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return await response.Content.ReadFromJsonAsync<JsonElement>();
            }

            Assert.True(DateTime.UtcNow < deadline, $"{path} never appeared");
            await Task.Delay(20);
        }
    }
}
