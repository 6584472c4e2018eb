using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LocalRuntime.Queues;

namespace ServerlessTasks.Tests.Events;

/// <summary>
/// Submissions through the storage queue <c>task-submissions</c>: enqueued into the host's embedded queue store, as a
/// client enqueues into the storage account in a deployment; the host's queue trigger runs the app's reactor.
/// </summary>
public sealed class SubmissionQueueTests(AppHost host) : IClassFixture<AppHost>
{
    private const string Queue = "task-submissions";
    private const string Poison = Queue + "-poison";

    private IQueueStore Queues => host.Queues;

    private async Task<IReadOnlyList<string>> PoisonTextsAsync() => [.. (await Queues.PeekAsync(Poison, 32)).Select(m => m.Text)];

    [Fact]
    public async Task Enqueue_WorkflowMessage_RunsToCompletion()
    {
        await Queues.SendAsync(Queue, BinaryData.FromString("""{"workflow_id":"queued-1","tasks":[{"task_id":"a","task_type":"echo","payload":7},{"task_id":"b","task_type":"echo","dependencies":["a"]}]}"""));

        var workflow = await WaitForAsync("/api/workflows/queued-1");
        var done = await host.WaitForWorkflowAsync("queued-1");
        Assert.Equal("completed", done.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Object, workflow.ValueKind);
        Assert.DoesNotContain(await PoisonTextsAsync(), m => m.Contains("queued-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Enqueue_SingleTaskMessageTwice_OneTaskCompletes()
    {
        const string task = """{"task_id":"queued-task-1","task_type":"echo","payload":"x"}""";
        await Queues.SendAsync(Queue, BinaryData.FromString(task));
        await Queues.SendAsync(Queue, BinaryData.FromString(task));

        var deadline = DateTime.UtcNow + AppHost.DefaultWait;
        while (true)
        {
            using var response = await host.Http.GetAsync("/api/tasks/queued-task-1");
            if (response.StatusCode == HttpStatusCode.OK
                && (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString() == "completed"
                && await Queues.GetCountAsync(Queue) == 0)
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the queued task did not complete, or its messages were not both consumed{host.Describe()}");
            await Task.Delay(20);
        }

        using var list = await host.Http.GetAsync("/runtime/webhooks/durabletask/instances?instanceIdPrefix=task:queued-task-1");
        Assert.Single((await list.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray());
        Assert.DoesNotContain(await PoisonTextsAsync(), m => m.Contains("queued-", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("[1,2,3]")]
    [InlineData("""{"workflow":"no tasks here"}""")]
    [InlineData("""{"workflow_id":"bad-shape","tasks":"not an array"}""")]
    public async Task Enqueue_StructurallyInvalid_GoesToPoisonAtOnceAndCreatesNothing(string message)
    {
        var before = (await PoisonTextsAsync()).Count(m => m == message);

        await Queues.SendAsync(Queue, BinaryData.FromString(message));

        var deadline = DateTime.UtcNow + AppHost.DefaultWait;
        IReadOnlyList<QueueMessage> parked;
        while ((parked = [.. (await Queues.PeekAsync(Poison, 32)).Where(m => m.Text == message)]).Count == before)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the message did not reach the poison queue{host.Describe()}");
            await Task.Delay(20);
        }

        // The host writes the function's output (the poison copy) first and deletes the original after it: wait for both.
        while (await Queues.GetCountAsync(Queue) > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the original message was not deleted{host.Describe()}");
            await Task.Delay(20);
        }

        Assert.Equal(before + 1, parked.Count);
        using var missing = await host.Http.GetAsync("/api/workflows/bad-shape");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    private async Task<JsonElement> WaitForAsync(string path)
    {
        var deadline = DateTime.UtcNow + AppHost.DefaultWait;
        while (true)
        {
            using var response = await host.Http.GetAsync(path);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return await response.Content.ReadFromJsonAsync<JsonElement>();
            }

            Assert.True(DateTime.UtcNow < deadline, $"{path} never appeared{host.Describe()}");
            await Task.Delay(20);
        }
    }
}
