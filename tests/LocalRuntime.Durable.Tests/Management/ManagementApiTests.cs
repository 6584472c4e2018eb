using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using LocalRuntime.Durable.Tests.Client;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace LocalRuntime.Durable.Tests.Management;

/// <summary>
/// The Durable HTTP management API over real loopback HTTP, with Durable Functions' status codes and shapes
/// (Microsoft's HttpApiHandler is the reference where the old home-made API differed). Written once per backend.
/// </summary>
public abstract class ManagementApiContractTests<THost>(THost host) : IClassFixture<THost>
    where THost : DurableTestHost
{
    private const string Instances = "/runtime/webhooks/durabletask/instances";

    private HttpClient Http => host.Http;

    private DurableTaskClient Client => host.Client;

    private static string Url(string id) => $"{Instances}/{Uri.EscapeDataString(id)}";

    private static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    private async Task<string> StartAsync(string orchestrator, object? input = null, string? id = null) =>
        await Client.ScheduleNewOrchestrationInstanceAsync(orchestrator, input, new StartOrchestrationOptions(id ?? NewId(orchestrator)));

    private async Task<OrchestrationMetadata> CompletedAsync(string id)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, timeout.Token);
    }

    private Task<OrchestrationMetadata?> RunningAsync(string id) =>
        Eventually.ValueAsync(() => Client.GetInstanceAsync(id), m => m?.RuntimeStatus == OrchestrationRuntimeStatus.Running, $"{id} running");

    private Task<HttpResponseMessage> PostAsync(string url, string? json = null, string contentType = "application/json") =>
        Http.PostAsync(url, json is null ? null : new StringContent(json, Encoding.UTF8, contentType));

    private static async Task<JsonElement> BodyAsync(HttpResponseMessage response) => await response.Content.ReadFromJsonAsync<JsonElement>();

    [Fact]
    public async Task GetStatus_Running_Returns202WithLocationAndRetryAfter()
    {
        var id = await StartAsync(nameof(WaitForEventOrchestration));
        await RunningAsync(id);

        using var response = await Http.GetAsync(Url(id) + "?showInput=true");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(new Uri(host.BaseAddress, Url(id) + "?showInput=true"), response.Headers.Location);
        Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
        var body = await BodyAsync(response);
        Assert.Equal("Running", body.GetProperty("runtimeStatus").GetString());
        Assert.Equal(id, body.GetProperty("instanceId").GetString());
    }

    [Fact]
    public async Task GetStatus_Completed_Returns200WithDurableShape()
    {
        var id = await StartAsync(nameof(EchoOrchestration), "x");
        var done = await CompletedAsync(id);

        using var response = await Http.GetAsync(Url(id));
        var body = await BodyAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(response.Headers.Location);
        Assert.Equal(
            ["name", "instanceId", "runtimeStatus", "input", "customStatus", "output", "createdTime", "lastUpdatedTime"],
            body.EnumerateObject().Select(p => p.Name));
        Assert.Equal(nameof(EchoOrchestration), body.GetProperty("name").GetString());
        Assert.Equal("Completed", body.GetProperty("runtimeStatus").GetString());
        Assert.Equal("x", body.GetProperty("input").GetString());
        Assert.Equal("echo:x", body.GetProperty("output").GetString());
        Assert.Equal("echo", body.GetProperty("customStatus").GetProperty("step").GetString());
        Assert.Equal(done.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture), body.GetProperty("createdTime").GetString());
        Assert.Matches("^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$", body.GetProperty("lastUpdatedTime").GetString());
    }

    [Fact]
    public async Task GetStatus_ShowInputFalse_InputIsNull()
    {
        var id = await StartAsync(nameof(EchoOrchestration), "secret-input");
        await CompletedAsync(id);

        var body = await Http.GetFromJsonAsync<JsonElement>(Url(id) + "?showInput=false");

        Assert.Equal(JsonValueKind.Null, body.GetProperty("input").ValueKind);
        Assert.Equal("echo:secret-input", body.GetProperty("output").GetString());
    }

    [Fact]
    public async Task GetStatus_ShowHistory_CondensesAsDurableAndShowsResultsOnlyWhenAsked()
    {
        var id = await StartAsync(nameof(EchoOrchestration), "h");
        await CompletedAsync(id);

        var plain = await Http.GetFromJsonAsync<JsonElement>(Url(id) + "?showHistory=true");
        var full = await Http.GetFromJsonAsync<JsonElement>(Url(id) + "?showHistory=true&showHistoryOutput=true");

        var types = plain.GetProperty("historyEvents").EnumerateArray().Select(e => e.GetProperty("EventType").GetString()).ToList();
        Assert.Equal(["ExecutionStarted", "TaskCompleted", "ExecutionCompleted"], types);
        var started = plain.GetProperty("historyEvents")[0];
        Assert.Equal(nameof(EchoOrchestration), started.GetProperty("FunctionName").GetString());
        Assert.False(started.TryGetProperty("OrchestrationInstance", out _));
        Assert.False(started.TryGetProperty("EventId", out _));
        Assert.DoesNotContain(plain.GetProperty("historyEvents").EnumerateArray(), e => e.TryGetProperty("Result", out _));
        var completed = full.GetProperty("historyEvents")[1];
        Assert.Equal(typeof(EchoActivity).FullName, completed.GetProperty("FunctionName").GetString());
        Assert.Equal("echo:h", completed.GetProperty("Result").GetString());
        Assert.True(completed.TryGetProperty("ScheduledTime", out _));
        Assert.False(completed.TryGetProperty("TaskScheduledId", out _));
        var end = full.GetProperty("historyEvents")[2];
        Assert.Equal("Completed", end.GetProperty("OrchestrationStatus").GetString());
        Assert.Equal("echo:h", end.GetProperty("Result").GetString());
        Assert.False(plain.TryGetProperty("version", out _));
    }

    [Fact]
    public async Task GetStatus_Failed_Returns200Or500WhenAsked_CompletedStays200()
    {
        var failed = await StartAsync(nameof(FailingOrchestration), "f");
        var ok = await StartAsync(nameof(EchoOrchestration), "ok");
        await CompletedAsync(failed);
        await CompletedAsync(ok);

        using var plain = await Http.GetAsync(Url(failed));
        using var error = await Http.GetAsync(Url(failed) + "?returnInternalServerErrorOnFailure=true");
        using var fine = await Http.GetAsync(Url(ok) + "?returnInternalServerErrorOnFailure=true");

        Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
        Assert.Equal(HttpStatusCode.InternalServerError, error.StatusCode);
        Assert.Equal(HttpStatusCode.OK, fine.StatusCode);
        var body = await BodyAsync(error);
        Assert.Equal("Failed", body.GetProperty("runtimeStatus").GetString());
        Assert.Contains("boom", body.GetProperty("output").GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetStatus_Unknown_Returns404ProblemJson()
    {
        using var response = await Http.GetAsync(Url(NewId("none")));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(404, (await BodyAsync(response)).GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task AnyRoute_WithoutKey_Returns401_KeyInQueryIsAccepted()
    {
        using var anonymous = new HttpClient { BaseAddress = host.BaseAddress };

        using var refused = await anonymous.GetAsync(Instances);
        using var refusedPost = await anonymous.PostAsync("/runtime/webhooks/durabletask/orchestrators/EchoOrchestration", null);
        using var accepted = await anonymous.GetAsync(Instances + "?top=1&code=" + DurableTestHost.Key);

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, refusedPost.StatusCode);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
    }

    [Fact]
    public async Task AnyRoute_OtherTaskHub_Returns400NamingBothHubs()
    {
        using var response = await Http.GetAsync(Instances + "?taskHub=elsewhere");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var detail = (await BodyAsync(response)).GetProperty("detail").GetString();
        Assert.Contains("elsewhere", detail, StringComparison.Ordinal);
        Assert.Contains(host.TaskHub, detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RaiseEvent_Running_Returns202AndDeliversPayload()
    {
        var id = await StartAsync(nameof(WaitForEventOrchestration));
        await RunningAsync(id);

        using var response = await PostAsync(Url(id) + "/raiseEvent/approve", "\"yes\"");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("yes", (await CompletedAsync(id)).ReadOutputAs<string>());
    }

    [Fact]
    public async Task RaiseEvent_UnknownFinishedBadJsonOrNotJson_Returns404Or410Or400AndDeliversNothing()
    {
        var finished = await StartAsync(nameof(EchoOrchestration), "done");
        await CompletedAsync(finished);
        var running = await StartAsync(nameof(WaitForEventOrchestration));
        await RunningAsync(running);

        using var unknown = await PostAsync(Url(NewId("none")) + "/raiseEvent/approve", "1");
        using var gone = await PostAsync(Url(finished) + "/raiseEvent/approve", "1");
        using var bad = await PostAsync(Url(running) + "/raiseEvent/approve", "{not json");
        using var text = await PostAsync(Url(running) + "/raiseEvent/approve", "yes", "text/plain");

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.Gone, gone.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, text.StatusCode);
        var history = await Client.GetOrchestrationHistoryAsync(running);
        Assert.DoesNotContain(history, e => e is global::DurableTask.Core.History.EventRaisedEvent);
    }

    [Fact]
    public async Task Terminate_Running_Returns202ThenTerminated_AgainReturns410_UnknownReturns404()
    {
        var id = await StartAsync(nameof(WaitForEventOrchestration));
        await RunningAsync(id);

        using var terminate = await PostAsync(Url(id) + "/terminate?reason=stop");
        var done = await CompletedAsync(id);
        using var again = await PostAsync(Url(id) + "/terminate?reason=again");
        using var unknown = await PostAsync(Url(NewId("none")) + "/terminate?reason=x");

        Assert.Equal(HttpStatusCode.Accepted, terminate.StatusCode);
        Assert.Equal(OrchestrationRuntimeStatus.Terminated, done.RuntimeStatus);
        Assert.Equal("stop", done.SerializedOutput);
        Assert.Equal(HttpStatusCode.Gone, again.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task SuspendResume_Running_Returns202AndChangesStatus_ResumeWhileRunningReturns500()
    {
        var id = await StartAsync(nameof(WaitForEventOrchestration));
        await RunningAsync(id);

        using var suspend = await PostAsync(Url(id) + "/suspend?reason=pause");
        await Eventually.ValueAsync(() => Client.GetInstanceAsync(id), m => m?.RuntimeStatus == OrchestrationRuntimeStatus.Suspended, "suspended");
        using var status = await Http.GetAsync(Url(id));
        using var resume = await PostAsync(Url(id) + "/resume?reason=go");
        await RunningAsync(id);
        using var resumeRunning = await PostAsync(Url(id) + "/resume");
        using var raise = await PostAsync(Url(id) + "/raiseEvent/approve", "\"after-resume\"");

        Assert.Equal(HttpStatusCode.Accepted, suspend.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, status.StatusCode);
        Assert.Equal("Suspended", (await BodyAsync(status)).GetProperty("runtimeStatus").GetString());
        Assert.Equal(HttpStatusCode.Accepted, resume.StatusCode);
        // Durable's handler lets the client's InvalidOperationException through as a 500.
        Assert.Equal(HttpStatusCode.InternalServerError, resumeRunning.StatusCode);
        Assert.Equal("after-resume", (await CompletedAsync(id)).ReadOutputAs<string>());
    }

    [Theory]
    [InlineData("suspend")]
    [InlineData("resume")]
    [InlineData("terminate")]
    public async Task Control_FinishedOrUnknown_Returns410Or404(string action)
    {
        var id = await StartAsync(nameof(EchoOrchestration), "f");
        await CompletedAsync(id);

        using var gone = await PostAsync(Url(id) + $"/{action}?reason=x");
        using var unknown = await PostAsync(Url(NewId("none")) + $"/{action}?reason=x");
        using var bogus = await PostAsync(Url(id) + "/explode");

        Assert.Equal(HttpStatusCode.Gone, gone.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, bogus.StatusCode);
    }

    [Fact]
    public async Task Restart_Finished_Returns202WithLinksAndRunsAgainUnderSameId()
    {
        var id = await StartAsync(nameof(EchoOrchestration), "r");
        var first = await CompletedAsync(id);

        using var response = await PostAsync(Url(id) + "/restart");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await BodyAsync(response);
        Assert.Equal(id, body.GetProperty("id").GetString());
        var status = body.GetProperty("statusQueryGetUri").GetString()!;
        Assert.Equal($"{host.BaseAddress.ToString().TrimEnd('/')}{Url(id)}?taskHub={host.TaskHub}&connection=Storage", status);
        Assert.Equal(new Uri(status), response.Headers.Location);
        Assert.Equal(TimeSpan.FromSeconds(10), response.Headers.RetryAfter?.Delta);
        Assert.EndsWith($"/raiseEvent/{{eventName}}?taskHub={host.TaskHub}&connection=Storage", body.GetProperty("sendEventPostUri").GetString(), StringComparison.Ordinal);
        Assert.Contains("/terminate?reason={text}&", body.GetProperty("terminatePostUri").GetString(), StringComparison.Ordinal);
        var again = await Eventually.ValueAsync(
            () => Client.GetInstanceAsync(id, getInputsAndOutputs: true),
            m => m is { RuntimeStatus: OrchestrationRuntimeStatus.Completed } && m.CreatedAt > first.CreatedAt,
            "the restarted instance did not complete");
        Assert.Equal("echo:r", again!.ReadOutputAs<string>());
    }

    [Fact]
    public async Task Restart_WithNewInstanceId_StartsAnotherInstance_UnknownReturns400()
    {
        var id = await StartAsync(nameof(EchoOrchestration), "n");
        await CompletedAsync(id);

        using var fresh = await PostAsync(Url(id) + "/restart?restartWithNewInstanceId=true");
        using var unknown = await PostAsync(Url(NewId("none")) + "/restart");

        Assert.Equal(HttpStatusCode.Accepted, fresh.StatusCode);
        var newId = (await BodyAsync(fresh)).GetProperty("id").GetString()!;
        Assert.NotEqual(id, newId);
        Assert.Equal("echo:n", (await CompletedAsync(newId)).ReadOutputAs<string>());
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
    }

    [Fact]
    public async Task Rewind_NotFailedReturns412_UnknownReturns404_FailedReturns202()
    {
        var completed = await StartAsync(nameof(EchoOrchestration), "w");
        var failed = await StartAsync(nameof(FailingOrchestration), "w");
        await CompletedAsync(completed);
        await CompletedAsync(failed);

        using var notFailed = await PostAsync(Url(completed) + "/rewind?reason=why");
        using var unknown = await PostAsync(Url(NewId("none")) + "/rewind?reason=why");
        using var rewound = await PostAsync(Url(failed) + "/rewind?reason=retry");

        Assert.Equal(HttpStatusCode.PreconditionFailed, notFailed.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        // Durable answers 501 where the storage provider cannot rewind.
        Assert.Equal(host.SupportsRewind ? HttpStatusCode.Accepted : HttpStatusCode.NotImplemented, rewound.StatusCode);
    }

    [Fact]
    public async Task Purge_Finished_Returns200WithCount_AgainReturns404_RunningReturns412()
    {
        var id = await StartAsync(nameof(EchoOrchestration), "p");
        await CompletedAsync(id);
        var running = await StartAsync(nameof(WaitForEventOrchestration));
        await RunningAsync(running);

        using var purge = await Http.DeleteAsync(Url(id));
        using var status = await Http.GetAsync(Url(id));
        using var again = await Http.DeleteAsync(Url(id));
        using var notFinished = await Http.DeleteAsync(Url(running));

        Assert.Equal(HttpStatusCode.OK, purge.StatusCode);
        Assert.Equal(1, (await BodyAsync(purge)).GetProperty("instancesDeleted").GetInt32());
        Assert.Equal(HttpStatusCode.NotFound, status.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Equal(HttpStatusCode.PreconditionFailed, notFinished.StatusCode);
        Assert.NotNull(await Client.GetInstanceAsync(running));
    }

    [Fact]
    public async Task PurgeByFilter_NeedsCreatedTimeFrom_PurgesMatching_NoneMatchingReturns404()
    {
        var from = DateTime.UtcNow;
        var a = await StartAsync(nameof(EchoOrchestration), "a");
        var b = await StartAsync(nameof(EchoOrchestration), "b");
        await CompletedAsync(a);
        await CompletedAsync(b);
        var window = $"createdTimeFrom={Iso(from)}&createdTimeTo={Iso(DateTime.UtcNow.AddSeconds(1))}";

        using var noFrom = await Http.DeleteAsync(Instances + "?runtimeStatus=Completed");
        using var purge = await Http.DeleteAsync($"{Instances}?{window}&runtimeStatus=Completed");
        using var none = await Http.DeleteAsync($"{Instances}?{window}&runtimeStatus=Completed");

        Assert.Equal(HttpStatusCode.BadRequest, noFrom.StatusCode);
        Assert.Equal(HttpStatusCode.OK, purge.StatusCode);
        Assert.Equal(2, (await BodyAsync(purge)).GetProperty("instancesDeleted").GetInt32());
        Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
        Assert.Null(await Client.GetInstanceAsync(a));
    }

    [Fact]
    public async Task List_WithPrefixStatusAndTop_PagesWithContinuationTokenHeader()
    {
        var prefix = NewId("list") + "-";
        var completed = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            completed.Add(await StartAsync(nameof(EchoOrchestration), $"in{i}", prefix + "c" + i));
        }

        var running = await StartAsync(nameof(WaitForEventOrchestration), null, prefix + "r");
        foreach (var id in completed)
        {
            await CompletedAsync(id);
        }

        await RunningAsync(running);

        var seen = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"{Instances}?instanceIdPrefix={prefix}&runtimeStatus=Completed&top=2");
            if (token is not null)
            {
                request.Headers.Add("x-ms-continuation-token", token);
            }

            using var response = await Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var page = await BodyAsync(response);
            Assert.True(page.GetArrayLength() <= 2);
            foreach (var item in page.EnumerateArray())
            {
                seen.Add(item.GetProperty("instanceId").GetString()!);
                Assert.Equal("Completed", item.GetProperty("runtimeStatus").GetString());
                Assert.StartsWith("in", item.GetProperty("input").GetString(), StringComparison.Ordinal);
            }

            // Durable always sends the header; empty means no more pages.
            token = response.Headers.GetValues("x-ms-continuation-token").Single();
            token = token.Length == 0 ? null : token;
            pages++;
        }
        while (token is not null && pages < 10);

        Assert.Equal(completed.Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));
        Assert.True(pages >= 3, $"expected at least 3 pages of 2, got {pages}");

        var both = await Http.GetFromJsonAsync<JsonElement>($"{Instances}?instanceIdPrefix={prefix}&runtimeStatus=Completed,Running&showInput=false");
        Assert.Equal(6, both.GetArrayLength());
        Assert.All(both.EnumerateArray(), item => Assert.Equal(JsonValueKind.Null, item.GetProperty("input").ValueKind));
        var onlyRunning = await Http.GetFromJsonAsync<JsonElement>($"{Instances}?instanceIdPrefix={prefix}&runtimeStatus=Running");
        Assert.Equal(running, onlyRunning.EnumerateArray().Single().GetProperty("instanceId").GetString());

        // As Durable: status names it cannot parse and times it cannot read are ignored, not refused.
        var lenient = await Http.GetFromJsonAsync<JsonElement>($"{Instances}?instanceIdPrefix={prefix}&runtimeStatus=Sleeping&createdTimeFrom=yesterday");
        Assert.Equal(6, lenient.GetArrayLength());
    }

    [Fact]
    public async Task List_CreatedTimeWindow_FiltersByCreationTime()
    {
        var prefix = NewId("window") + "-";
        var id = await StartAsync(nameof(EchoOrchestration), "w", prefix + "a");
        var at = (await CompletedAsync(id)).CreatedAt.UtcDateTime;

        var inside = await Http.GetFromJsonAsync<JsonElement>($"{Instances}?instanceIdPrefix={prefix}&createdTimeFrom={Iso(at.AddSeconds(-1))}&createdTimeTo={Iso(at.AddSeconds(1))}");
        var after = await Http.GetFromJsonAsync<JsonElement>($"{Instances}?instanceIdPrefix={prefix}&createdTimeFrom={Iso(at.AddSeconds(1))}");

        Assert.Equal(1, inside.GetArrayLength());
        Assert.Equal(0, after.GetArrayLength());
    }

    [Fact]
    public async Task StartOrchestrator_JsonBody_Returns202WithLinksAndRunsWithRawInput()
    {
        using var response = await PostAsync("/runtime/webhooks/durabletask/orchestrators/EchoOrchestration", "\"via-http\"");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await BodyAsync(response);
        var id = body.GetProperty("id").GetString()!;
        Assert.Equal(32, id.Length);
        Assert.Equal(host.BaseAddress.Port, response.Headers.Location!.Port);
        Assert.Equal(body.GetProperty("statusQueryGetUri").GetString(), response.Headers.Location.ToString());
        var done = await CompletedAsync(id);
        Assert.Equal("\"via-http\"", done.SerializedInput);
        Assert.Equal("echo:via-http", done.ReadOutputAs<string>());
    }

    [Fact]
    public async Task StartOrchestrator_WithIdAndWait_Returns200WithOutput_BadJsonReturns400()
    {
        var id = NewId("wait");

        using var waited = await PostAsync($"/runtime/webhooks/durabletask/orchestrators/EchoOrchestration/{id}?timeout=30&pollingInterval=1", "\"w\"");
        using var bad = await PostAsync("/runtime/webhooks/durabletask/orchestrators/EchoOrchestration", "{nope");

        Assert.Equal(HttpStatusCode.OK, waited.StatusCode);
        Assert.Equal("echo:w", (await BodyAsync(waited)).GetString());
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task Entities_SignalThenGet_Returns202ThenState_UnknownReturns404()
    {
        var key = Guid.NewGuid().ToString("N");

        using var missing = await Http.GetAsync("/runtime/webhooks/durabletask/entities/counter/" + key);
        using var first = await PostAsync($"/runtime/webhooks/durabletask/entities/counter/{key}?op=add", "2");
        using var second = await PostAsync($"/runtime/webhooks/durabletask/entities/Counter/{key}?op=add", "3");
        using var bad = await PostAsync($"/runtime/webhooks/durabletask/entities/counter/{key}?op=add", "{nope");
        var state = await Eventually.ValueAsync(
            async () =>
            {
                using var response = await Http.GetAsync("/runtime/webhooks/durabletask/entities/counter/" + key);
                return response.StatusCode == HttpStatusCode.OK ? (await BodyAsync(response)).GetInt32() : -1;
            },
            value => value == 5,
            "counter reached 5");
        var list = await Http.GetFromJsonAsync<JsonElement>("/runtime/webhooks/durabletask/entities/counter?fetchState=true");

        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(5, state);
        var entity = Assert.Single(list.EnumerateArray(), e => e.GetProperty("entityId").GetProperty("key").GetString() == key);
        Assert.Equal("counter", entity.GetProperty("entityId").GetProperty("name").GetString());
        Assert.Equal(5, entity.GetProperty("state").GetInt32());
    }

    private static string Iso(DateTime utc) => Uri.EscapeDataString(utc.ToString("O", CultureInfo.InvariantCulture));
}

/// <summary>The management API on Microsoft's Azure Storage provider (Azurite).</summary>
public sealed class AzureStorageManagementApiTests(AzureStorageTestHost host) : ManagementApiContractTests<AzureStorageTestHost>(host);

/// <summary>The management API on our SQLite provider.</summary>
public sealed class SqliteManagementApiTests(SqliteTestHost host) : ManagementApiContractTests<SqliteTestHost>(host);
