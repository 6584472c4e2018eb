using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace LocalRuntime.Functions.Tests;

/// <summary>Every endpoint and status code of the Durable HTTP management API, over real HTTP.</summary>
public sealed class ManagementApiTests : IAsyncLifetime
{
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private HttpClient Http => _app.Http;

    private async Task<string> StartAsync(string orchestrator, object? input = null, string? id = null)
    {
        id ??= $"{orchestrator}-{Guid.NewGuid():N}";
        await _app.Client.ScheduleNewOrchestrationInstanceAsync(orchestrator, input, new StartOrchestrationOptions(id));
        return id;
    }

    private Task<HttpResponseMessage> PostAsync(string url, string? json = null) =>
        Http.PostAsync(url, json is null ? null : new StringContent(json, Encoding.UTF8, "application/json"));

    [Fact]
    public async Task GetStatus_Running_Returns202WithLocationAndRetryAfter()
    {
        var id = await StartAsync(nameof(OrchestratorFunctions.WaitForEventOrchestrator));
        await _app.WaitForRuntimeStatusAsync(id, OrchestrationRuntimeStatus.Running);

        using var response = await Http.GetAsync(TestApp.StatusUrl(id));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(new Uri(_app.BaseAddress, TestApp.StatusUrl(id)), response.Headers.Location);
        Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Running", body.GetProperty("runtimeStatus").GetString());
        Assert.Equal(id, body.GetProperty("instanceId").GetString());
    }

    [Fact]
    public async Task GetStatus_Completed_Returns200WithDurableShape()
    {
        var id = await StartAsync(nameof(OrchestratorFunctions.EchoOrchestrator), "x");

        var body = await _app.WaitForStatusAsync(id);

        Assert.Equal(nameof(OrchestratorFunctions.EchoOrchestrator), body.GetProperty("name").GetString());
        Assert.Equal(id, body.GetProperty("instanceId").GetString());
        Assert.Equal("Completed", body.GetProperty("runtimeStatus").GetString());
        Assert.Equal("x", body.GetProperty("input").GetString());
        Assert.Equal("echo:x", body.GetProperty("output").GetString());
        Assert.Equal("echo", body.GetProperty("customStatus").GetProperty("step").GetString());
        Assert.EndsWith("Z", body.GetProperty("createdTime").GetString(), StringComparison.Ordinal);
        Assert.EndsWith("Z", body.GetProperty("lastUpdatedTime").GetString(), StringComparison.Ordinal);
        Assert.False(body.TryGetProperty("historyEvents", out _));
    }

    [Fact]
    public async Task GetStatus_ShowInputFalse_OmitsInput()
    {
        var id = await StartAsync(nameof(OrchestratorFunctions.EchoOrchestrator), "secret-input");
        await _app.WaitForStatusAsync(id);

        var body = await Http.GetFromJsonAsync<JsonElement>(TestApp.StatusUrl(id) + "?showInput=false");

        Assert.Equal(JsonValueKind.Null, body.GetProperty("input").ValueKind);
    }

    [Fact]
    public async Task GetStatus_ShowHistory_ListsEventsWithOutputsOnlyWhenAsked()
    {
        var id = await StartAsync(nameof(OrchestratorFunctions.EchoOrchestrator), "h");
        await _app.WaitForStatusAsync(id);

        var plain = await Http.GetFromJsonAsync<JsonElement>(TestApp.StatusUrl(id) + "?showHistory=true");
        var withOutput = await Http.GetFromJsonAsync<JsonElement>(TestApp.StatusUrl(id) + "?showHistory=true&showHistoryOutput=true");

        var types = plain.GetProperty("historyEvents").EnumerateArray().Select(e => e.GetProperty("EventType").GetString()).ToList();
        Assert.Contains("ExecutionStarted", types);
        Assert.Contains("TaskScheduled", types);
        Assert.Contains("TaskCompleted", types);
        Assert.Equal("ExecutionCompleted", types[^1]);
        Assert.DoesNotContain(plain.GetProperty("historyEvents").EnumerateArray(), e => e.TryGetProperty("Result", out _));
        var completed = withOutput.GetProperty("historyEvents").EnumerateArray().Single(e => e.GetProperty("EventType").GetString() == "TaskCompleted");
        Assert.Equal("echo:h", completed.GetProperty("Result").GetString());
    }

    [Fact]
    public async Task GetStatus_Failed_Returns200Or500WhenAsked()
    {
        var id = await StartAsync(nameof(OrchestratorFunctions.FailingOrchestrator));
        var body = await _app.WaitForStatusAsync(id);
        Assert.Equal("Failed", body.GetProperty("runtimeStatus").GetString());
        Assert.Contains("boom", body.GetProperty("output").GetRawText(), StringComparison.Ordinal);

        using var ok = await Http.GetAsync(TestApp.StatusUrl(id));
        using var error = await Http.GetAsync(TestApp.StatusUrl(id) + "?returnInternalServerErrorOnFailure=true");

        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(HttpStatusCode.InternalServerError, error.StatusCode);
    }

    [Fact]
    public async Task GetStatus_CompletedWithFailureFlag_Returns200()
    {
        var id = await StartAsync(nameof(OrchestratorFunctions.EchoOrchestrator), "ok");
        await _app.WaitForStatusAsync(id);

        using var response = await Http.GetAsync(TestApp.StatusUrl(id) + "?returnInternalServerErrorOnFailure=true");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task GetStatus_Unknown_Returns404()
    {
        using var response = await Http.GetAsync(TestApp.StatusUrl("no-such-instance"));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task RaiseEvent_Running_Returns202AndDeliversPayload()
    {
        var id = await StartAsync(nameof(OrchestratorFunctions.WaitForEventOrchestrator));

        using var response = await PostAsync(TestApp.StatusUrl(id) + "/raiseEvent/approve", "\"yes\"");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await _app.WaitForStatusAsync(id);
        Assert.Equal("yes", body.GetProperty("output").GetString());
    }

    [Fact]
    public async Task RaiseEvent_UnknownFinishedOrBadJson_Returns404Or410Or400()
    {
        var finished = await StartAsync(nameof(OrchestratorFunctions.EchoOrchestrator), "done");
        await _app.WaitForStatusAsync(finished);
        var running = await StartAsync(nameof(OrchestratorFunctions.WaitForEventOrchestrator));

        using var unknown = await PostAsync(TestApp.StatusUrl("no-such-instance") + "/raiseEvent/approve", "1");
        using var gone = await PostAsync(TestApp.StatusUrl(finished) + "/raiseEvent/approve", "1");
        using var bad = await PostAsync(TestApp.StatusUrl(running) + "/raiseEvent/approve", "{not json");

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.Gone, gone.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var history = await _app.App.Services.GetRequiredService<LocalRuntime.Durable.Engine.DurableEngine>().Store.GetHistoryAsync(running);
        Assert.DoesNotContain(history, e => e.Type == LocalRuntime.Durable.Engine.HistoryEventType.EventRaised);
    }

    [Fact]
    public async Task Terminate_Running_Returns202ThenTerminated_AgainReturns410_UnknownReturns404()
    {
        var id = await StartAsync(nameof(OrchestratorFunctions.WaitForEventOrchestrator));
        await _app.WaitForRuntimeStatusAsync(id, OrchestrationRuntimeStatus.Running);

        using var terminate = await PostAsync(TestApp.StatusUrl(id) + "/terminate?reason=stop");
        Assert.Equal(HttpStatusCode.Accepted, terminate.StatusCode);
        var body = await _app.WaitForStatusAsync(id);
        Assert.Equal("Terminated", body.GetProperty("runtimeStatus").GetString());

        using var again = await PostAsync(TestApp.StatusUrl(id) + "/terminate?reason=again");
        using var unknown = await PostAsync(TestApp.StatusUrl("no-such-instance") + "/terminate?reason=x");
        Assert.Equal(HttpStatusCode.Gone, again.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task SuspendResume_Running_Returns202AndChangesStatus()
    {
        var id = await StartAsync(nameof(OrchestratorFunctions.WaitForEventOrchestrator));
        await _app.WaitForRuntimeStatusAsync(id, OrchestrationRuntimeStatus.Running);

        using var suspend = await PostAsync(TestApp.StatusUrl(id) + "/suspend?reason=pause");
        Assert.Equal(HttpStatusCode.Accepted, suspend.StatusCode);
        await _app.WaitForRuntimeStatusAsync(id, OrchestrationRuntimeStatus.Suspended);
        using (var status = await Http.GetAsync(TestApp.StatusUrl(id)))
        {
            Assert.Equal(HttpStatusCode.Accepted, status.StatusCode);
            Assert.Equal("Suspended", (await status.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runtimeStatus").GetString());
        }

        using var resume = await PostAsync(TestApp.StatusUrl(id) + "/resume?reason=go");
        Assert.Equal(HttpStatusCode.Accepted, resume.StatusCode);
        await _app.WaitForRuntimeStatusAsync(id, OrchestrationRuntimeStatus.Running);
        using var raise = await PostAsync(TestApp.StatusUrl(id) + "/raiseEvent/approve", "\"after-resume\"");
        Assert.Equal("after-resume", (await _app.WaitForStatusAsync(id)).GetProperty("output").GetString());
    }

    [Theory]
    [InlineData("suspend")]
    [InlineData("resume")]
    public async Task SuspendResume_FinishedOrUnknown_Returns410Or404(string action)
    {
        var id = await StartAsync(nameof(OrchestratorFunctions.EchoOrchestrator), "f");
        await _app.WaitForStatusAsync(id);

        using var gone = await PostAsync(TestApp.StatusUrl(id) + $"/{action}?reason=x");
        using var unknown = await PostAsync(TestApp.StatusUrl("no-such-instance") + $"/{action}?reason=x");

        Assert.Equal(HttpStatusCode.Gone, gone.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Restart_Finished_Returns202AndRunsAgainUnderSameId()
    {
        var id = await StartAsync(nameof(OrchestratorFunctions.EchoOrchestrator), "r");
        var first = await _app.WaitForStatusAsync(id);

        using var response = await PostAsync(TestApp.StatusUrl(id) + "/restart");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(id, body.GetProperty("id").GetString());
        Assert.Contains(Uri.EscapeDataString(id), response.Headers.Location!.ToString(), StringComparison.Ordinal);
        await Eventually.TrueAsync(
            async () => (await _app.Client.GetInstanceAsync(id)) is { RuntimeStatus: OrchestrationRuntimeStatus.Completed } m
                && m.CreatedAt > DateTimeOffset.Parse(first.GetProperty("createdTime").GetString()!, System.Globalization.CultureInfo.InvariantCulture),
            "the restarted instance did not complete");
        Assert.Equal("echo:r", (await _app.WaitForStatusAsync(id)).GetProperty("output").GetString());
    }

    [Fact]
    public async Task Restart_WithNewInstanceId_StartsAnotherInstance_RunningWithoutNewIdReturns409_UnknownReturns404()
    {
        var id = await StartAsync(nameof(OrchestratorFunctions.WaitForEventOrchestrator));
        await _app.WaitForRuntimeStatusAsync(id, OrchestrationRuntimeStatus.Running);

        using var conflict = await PostAsync(TestApp.StatusUrl(id) + "/restart");
        using var fresh = await PostAsync(TestApp.StatusUrl(id) + "/restart?restartWithNewInstanceId=true");
        using var unknown = await PostAsync(TestApp.StatusUrl("no-such-instance") + "/restart");

        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, fresh.StatusCode);
        var newId = (await fresh.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        Assert.NotEqual(id, newId);
        await _app.WaitForRuntimeStatusAsync(newId, OrchestrationRuntimeStatus.Running);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Purge_Finished_Returns200WithCount_ThenUnknownReturns404_RunningReturns404()
    {
        var id = await StartAsync(nameof(OrchestratorFunctions.EchoOrchestrator), "p");
        await _app.WaitForStatusAsync(id);
        var running = await StartAsync(nameof(OrchestratorFunctions.WaitForEventOrchestrator));
        await _app.WaitForRuntimeStatusAsync(running, OrchestrationRuntimeStatus.Running);

        using var purge = await Http.DeleteAsync(TestApp.StatusUrl(id));
        Assert.Equal(HttpStatusCode.OK, purge.StatusCode);
        Assert.Equal(1, (await purge.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("instancesDeleted").GetInt32());

        using var status = await Http.GetAsync(TestApp.StatusUrl(id));
        using var again = await Http.DeleteAsync(TestApp.StatusUrl(id));
        using var notFinished = await Http.DeleteAsync(TestApp.StatusUrl(running));
        Assert.Equal(HttpStatusCode.NotFound, status.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, notFinished.StatusCode);
        Assert.NotNull(await _app.Client.GetInstanceAsync(running));
    }

    [Fact]
    public async Task List_WithPrefixStatusAndTop_PagesWithContinuationToken()
    {
        var prefix = $"list-{Guid.NewGuid():N}-";
        var completed = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            completed.Add(await StartAsync(nameof(OrchestratorFunctions.EchoOrchestrator), $"in{i}", prefix + "c" + i));
        }

        var running = await StartAsync(nameof(OrchestratorFunctions.WaitForEventOrchestrator), null, prefix + "r");
        foreach (var id in completed)
        {
            await _app.WaitForStatusAsync(id);
        }

        await _app.WaitForRuntimeStatusAsync(running, OrchestrationRuntimeStatus.Running);

        // Page through completed ones, two at a time.
        var seen = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/runtime/webhooks/durabletask/instances?instanceIdPrefix={prefix}&runtimeStatus=Completed&top=2&showInput=true");
            if (token is not null)
            {
                request.Headers.Add("x-ms-continuation-token", token);
            }

            using var response = await Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var page = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.True(page.GetArrayLength() <= 2);
            foreach (var item in page.EnumerateArray())
            {
                seen.Add(item.GetProperty("instanceId").GetString()!);
                Assert.Equal("Completed", item.GetProperty("runtimeStatus").GetString());
                Assert.StartsWith("in", item.GetProperty("input").GetString(), StringComparison.Ordinal);
            }

            token = response.Headers.TryGetValues("x-ms-continuation-token", out var values) ? values.Single() : null;
            pages++;
        }
        while (token is not null && pages < 10);

        Assert.Equal(completed.Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));
        Assert.True(pages >= 3, $"expected at least 3 pages of 2, got {pages}");

        var both = await Http.GetFromJsonAsync<JsonElement>($"/runtime/webhooks/durabletask/instances?instanceIdPrefix={prefix}&runtimeStatus=Completed,Running");
        Assert.Equal(6, both.GetArrayLength());
        Assert.All(both.EnumerateArray(), item => Assert.Equal(JsonValueKind.Null, item.GetProperty("input").ValueKind));
        var onlyRunning = await Http.GetFromJsonAsync<JsonElement>($"/runtime/webhooks/durabletask/instances?instanceIdPrefix={prefix}&runtimeStatus=Running");
        Assert.Equal(running, onlyRunning.EnumerateArray().Single().GetProperty("instanceId").GetString());
    }

    [Fact]
    public async Task List_CreatedTimeWindow_FiltersByCreationTime()
    {
        var prefix = $"window-{Guid.NewGuid():N}-";
        var id = await StartAsync(nameof(OrchestratorFunctions.EchoOrchestrator), "w", prefix + "a");
        var created = (await _app.WaitForStatusAsync(id)).GetProperty("createdTime").GetString()!;
        var at = DateTimeOffset.Parse(created, System.Globalization.CultureInfo.InvariantCulture);
        string Iso(DateTimeOffset t) => Uri.EscapeDataString(t.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture));

        var inside = await Http.GetFromJsonAsync<JsonElement>($"/runtime/webhooks/durabletask/instances?instanceIdPrefix={prefix}&createdTimeFrom={Iso(at.AddSeconds(-1))}&createdTimeTo={Iso(at.AddSeconds(1))}");
        var after = await Http.GetFromJsonAsync<JsonElement>($"/runtime/webhooks/durabletask/instances?instanceIdPrefix={prefix}&createdTimeFrom={Iso(at.AddSeconds(1))}");

        Assert.Equal(1, inside.GetArrayLength());
        Assert.Equal(0, after.GetArrayLength());
    }

    [Fact]
    public async Task List_BadStatusOrTime_Returns400()
    {
        using var status = await Http.GetAsync("/runtime/webhooks/durabletask/instances?runtimeStatus=Sleeping");
        using var time = await Http.GetAsync("/runtime/webhooks/durabletask/instances?createdTimeFrom=yesterday");

        Assert.Equal(HttpStatusCode.BadRequest, status.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, time.StatusCode);
    }

    [Fact]
    public async Task HttpStarter_Returns202WithStatusUrlThatCompletes()
    {
        using var response = await PostAsync("/api/start/EchoOrchestrator", "\"via-http\"");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var location = response.Headers.Location!;
        Assert.Equal(_app.BaseAddress.Port, location.Port);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        Assert.Equal("echo:via-http", (await _app.WaitForStatusAsync(id)).GetProperty("output").GetString());
    }
}
