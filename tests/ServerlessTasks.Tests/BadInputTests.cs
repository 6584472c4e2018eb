using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace ServerlessTasks.Tests;

/// <summary>Every kind of bad input gets the right problem response and creates nothing (checked in the store and the index).</summary>
public class BadInputTests(AppHost host) : IClassFixture<AppHost>
{
    public static TheoryData<string, string, int> WorkflowBodies() => new()
    {
        { "truncated", """{"workflow_id":"bad-trunc","tasks":[{"task_id":"a","task_t""", 400 },
        { "not json", "workflow please", 400 },
        { "duplicate keys", """{"workflow_id":"bad-dupkey","tasks":[{"task_id":"a","task_id":"b","task_type":"echo"}]}""", 400 },
        { "json null", "null", 400 },
        { "wrong type", """{"workflow_id":"bad-wrongtype","tasks":"all of them"}""", 400 },
        { "priority 0", """{"workflow_id":"bad-prio","tasks":[{"task_id":"a","task_type":"echo","priority":0}]}""", 422 },
        { "priority 11", """{"workflow_id":"bad-prio2","tasks":[{"task_id":"a","task_type":"echo","priority":11}]}""", 422 },
        { "negative timeout", """{"workflow_id":"bad-timeout","tasks":[{"task_id":"a","task_type":"echo","timeout":-1}]}""", 422 },
        { "past deadline", """{"workflow_id":"bad-deadline","tasks":[{"task_id":"a","task_type":"echo","deadline":"2001-01-01T00:00:00Z"}]}""", 422 },
        { "self dependency", """{"workflow_id":"bad-self","tasks":[{"task_id":"a","task_type":"echo","dependencies":["a"]}]}""", 422 },
        { "duplicate ids", """{"workflow_id":"bad-dupid","tasks":[{"task_id":"a","task_type":"echo"},{"task_id":"a","task_type":"echo"}]}""", 422 },
        { "slash id", """{"workflow_id":"bad-slash","tasks":[{"task_id":"../etc","task_type":"echo"}]}""", 422 },
        { "percent id", """{"workflow_id":"bad-pct","tasks":[{"task_id":"a%2Fb","task_type":"echo"}]}""", 422 },
        { "nul id", "{\"workflow_id\":\"bad-nul\",\"tasks\":[{\"task_id\":\"a\\u0000b\",\"task_type\":\"echo\"}]}", 422 },
        { "long id", $$"""{"workflow_id":"bad-long","tasks":[{"task_id":"{{new string('x', 4096)}}","task_type":"echo"}]}""", 422 },
        { "unsafe workflow id", """{"workflow_id":"bad/../wf","tasks":[{"task_id":"a","task_type":"echo"}]}""", 422 },
        { "negative retry delay", """{"workflow_id":"bad-retry","tasks":[{"task_id":"a","task_type":"echo","retry":{"delay_seconds":-1}}]}""", 422 },
        { "retry multiplier below 1", """{"workflow_id":"bad-retry2","tasks":[{"task_id":"a","task_type":"echo","retry":{"multiplier":0.5}}]}""", 422 },
        { "retry as a number", """{"workflow_id":"bad-retry3","tasks":[{"task_id":"a","task_type":"echo","retry":3}]}""", 400 },
        { "missing task type", """{"workflow_id":"bad-notype","tasks":[{"task_id":"a"}]}""", 422 },
        // An unknown compensation type is valid now (it waits for an external worker, as an unknown task type does); a blank one is not.
        { "blank compensation type", """{"workflow_id":"bad-comp","tasks":[{"task_id":"a","task_type":"echo","compensate":{"task_type":"  "}}]}""", 422 },
        { "payload over 64 KiB", $$"""{"workflow_id":"bad-big","tasks":[{"task_id":"a","task_type":"echo","payload":"{{new string('p', 70_000)}}"}]}""", 413 },
    };

    [Theory]
    [MemberData(nameof(WorkflowBodies))]
    public async Task SubmitWorkflow_BadBody_ProblemAndNothingCreated(string why, string body, int expected)
    {
        using var response = await host.PostAsync("/api/workflows", body);

        Assert.True(expected == (int)response.StatusCode, $"{why}: got {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        await AssertNothingCreatedAsync();
    }

    [Fact]
    public async Task SubmitWorkflow_ByteOrderMark_Is400()
    {
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes("""{"workflow_id":"bad-bom","tasks":[{"task_id":"a","task_type":"echo"}]}""")).ToArray();
        using var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new("application/json");

        using var response = await host.Http.PostAsync("/api/workflows", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("byte order mark", await response.Content.ReadAsStringAsync());
        await AssertNothingCreatedAsync();
    }

    [Fact]
    public async Task SubmitWorkflow_NestingPast64_Is400()
    {
        var deep = string.Concat(Enumerable.Repeat("[", 70)) + string.Concat(Enumerable.Repeat("]", 70));
        using var response = await host.PostAsync("/api/workflows", $$"""{"workflow_id":"bad-deep","tasks":[{"task_id":"a","task_type":"echo","payload":{{deep}}}]}""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        await AssertNothingCreatedAsync();
    }

    [Fact]
    public async Task SubmitWorkflow_BodyOver16MiB_Is413()
    {
        var huge = new string('x', 17 * 1024 * 1024);
        using var response = await host.PostAsync("/api/workflows", $$"""{"workflow_id":"bad-huge","tasks":[{"task_id":"a","task_type":"echo","payload":"{{huge}}"}]}""");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        await AssertNothingCreatedAsync();
    }

    [Fact]
    public async Task SubmitWorkflow_MoreTasksThanTheDocumentedLimit_Is413()
    {
        var tasks = Enumerable.Range(0, 100_001).Select(i => new { task_id = $"t{i}", task_type = "echo" });
        using var response = await host.PostAsync("/api/workflows", JsonSerializer.Serialize(new { workflow_id = "bad-100001", tasks }));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("100000", (await response.Content.ReadAsStringAsync()).Replace(",", "", StringComparison.Ordinal));
        await AssertNothingCreatedAsync();
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/xml")]
    [InlineData("application/x-www-form-urlencoded")]
    public async Task SubmitTask_WrongContentType_Is415(string contentType)
    {
        using var response = await host.PostAsync("/api/tasks", """{"task_id":"bad-ct","task_type":"echo"}""", contentType);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        await AssertNothingCreatedAsync();
    }

    [Fact]
    public async Task SubmitTask_MissingBody_Is400()
    {
        using var content = new ByteArrayContent([]);
        content.Headers.ContentType = new("application/json");
        using var response = await host.Http.PostAsync("/api/tasks", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        await AssertNothingCreatedAsync();
    }

    private async Task AssertNothingCreatedAsync()
    {
        var instances = await host.Http.GetFromJsonAsync<JsonElement>("/runtime/webhooks/durabletask/instances?top=1000");
        Assert.DoesNotContain(instances.EnumerateArray(), i => i.GetProperty("instanceId").GetString()!.Contains("bad", StringComparison.Ordinal));
        var tasks = await host.Http.GetFromJsonAsync<JsonElement>("/api/tasks?limit=1000");
        Assert.Equal(0, tasks.GetProperty("total").GetInt32());
    }
}
