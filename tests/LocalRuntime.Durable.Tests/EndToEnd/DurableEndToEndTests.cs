using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace LocalRuntime.Durable.Tests.EndToEnd;

/// <summary>
/// Orchestrations, activities and entities of a real Functions app, replayed by Microsoft's code in the worker process and
/// dispatched by DTFx on our host: written once, bound to each backend by a one-line subclass.
/// </summary>
public abstract class DurableEndToEndTests<TFixture>(TFixture app) : IClassFixture<TFixture>
    where TFixture : DurableAppFixture
{
    protected TFixture App { get; } = app;

    [Fact]
    public async Task Chain_ThreeActivities_CompletesWithTheirResultsInOrder()
    {
        var started = await App.StartAsync("Hello", "x");
        var id = started.GetProperty("id").GetString()!;
        var done = await App.WaitForCompletionAsync(id);
        Assert.Equal("Completed", done.GetProperty("runtimeStatus").GetString());
        Assert.Equal("""["Hello x 1","Hello x 2","Hello x 3"]""", done.GetProperty("output").GetString());
    }

    [Fact]
    public async Task Start_ManagementUrls_PointAtThisHostsManagementApi()
    {
        var started = await App.StartAsync("Hello", "urls");
        var id = started.GetProperty("id").GetString()!;
        var status = new Uri(started.GetProperty("statusQueryGetUri").GetString()!);
        Assert.Equal(App.Host.BaseAddress.Port, status.Port);
        Assert.StartsWith($"/runtime/webhooks/durabletask/instances/{id}", status.AbsolutePath, StringComparison.Ordinal);
        await App.WaitForCompletionAsync(id);
        using var response = await App.Http.GetAsync(status.PathAndQuery);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Completed", body.GetProperty("runtimeStatus").GetString());
        Assert.Equal(3, body.GetProperty("output").GetArrayLength());
    }

    [Fact]
    public async Task FanOut_HundredActivities_EachRunsOnceAndTheSumIsExact()
    {
        var started = await App.StartAsync("FanOut", 100);
        var id = started.GetProperty("id").GetString()!;
        var done = await App.WaitForCompletionAsync(id);
        Assert.Equal("Completed", done.GetProperty("runtimeStatus").GetString());
        Assert.Equal(Enumerable.Range(0, 100).Sum(i => (long)i * i).ToString(System.Globalization.CultureInfo.InvariantCulture), done.GetProperty("output").GetString());
        var items = App.ActivityLines(id).Select(l => l.Split('\t')[1]).ToList();
        Assert.Equal(100, items.Count);
        Assert.Equal(100, items.Distinct().Count());
    }

    [Fact]
    public async Task SubOrchestrations_TwoChildren_ParentSeesBothResults()
    {
        var started = await App.StartAsync("Parent", null);
        var id = started.GetProperty("id").GetString()!;
        var done = await App.WaitForCompletionAsync(id);
        Assert.Equal("Completed", done.GetProperty("runtimeStatus").GetString());
        Assert.Equal("6", done.GetProperty("output").GetString());
        var child = await App.GetAsync($"{id}-a");
        Assert.Equal("Completed", child!.Value.GetProperty("runtimeStatus").GetString());
    }

    [Fact]
    public async Task ContinueAsNew_Countdown_EndsWithTheLastGenerationsOutput()
    {
        var started = await App.StartAsync("Countdown", 3);
        var id = started.GetProperty("id").GetString()!;
        var done = await App.WaitForCompletionAsync(id);
        Assert.Equal("Completed", done.GetProperty("runtimeStatus").GetString());
        Assert.Equal("\"done\"", done.GetProperty("output").GetString());
        Assert.Equal("0", done.GetProperty("input").GetString());
    }

    [Fact]
    public async Task ExternalEvent_RaisedThroughTheClient_CompletesWithItsPayload()
    {
        var started = await App.StartAsync("WaitForApproval", null);
        var id = started.GetProperty("id").GetString()!;
        await Eventually(async () => (await App.GetAsync(id))?.GetProperty("customStatus").GetString() == "\"waiting\"", "custom status 'waiting'");
        using var raised = await App.Http.PostAsJsonAsync($"/api/instances/{id}/events/approval", "yes");
        Assert.Equal(HttpStatusCode.Accepted, raised.StatusCode);
        var done = await App.WaitForCompletionAsync(id);
        Assert.Equal("\"approved: yes\"", done.GetProperty("output").GetString());
    }

    [Fact]
    public async Task Retry_ActivityAlwaysThrows_ThreeAttemptsThenTheOrchestratorSeesTheFailure()
    {
        var started = await App.StartAsync("RetryThenFail", null);
        var id = started.GetProperty("id").GetString()!;
        var done = await App.WaitForCompletionAsync(id);
        Assert.Equal("Completed", done.GetProperty("runtimeStatus").GetString());
        var output = JsonSerializer.Deserialize<string>(done.GetProperty("output").GetString()!)!;
        Assert.StartsWith("System.ArgumentOutOfRangeException|the activity always fails", output, StringComparison.Ordinal);
        Assert.Equal(3, App.ActivityLines(id).Count);
    }

    [Fact]
    public async Task OrchestratorThrows_InstanceFailsWithTheExceptionsMessage()
    {
        var started = await App.StartAsync("Throws", null);
        var id = started.GetProperty("id").GetString()!;
        var done = await App.WaitForCompletionAsync(id);
        Assert.Equal("Failed", done.GetProperty("runtimeStatus").GetString());
        Assert.Contains("orchestrator gave up", FailureText(done), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Entity_CalledFromAnOrchestration_CountsEveryCall()
    {
        var started = await App.StartAsync("CountWithEntity", 5);
        var id = started.GetProperty("id").GetString()!;
        var done = await App.WaitForCompletionAsync(id);
        Assert.Equal("Completed", done.GetProperty("runtimeStatus").GetString());
        Assert.Equal("5", done.GetProperty("output").GetString());
    }

    [Fact]
    public async Task Entity_SignalledByTheClient_StateIsReadBack()
    {
        var key = Guid.NewGuid().ToString("N");
        for (var i = 0; i < 3; i++)
        {
            using var signal = await App.Http.PostAsJsonAsync($"/api/entities/Counter/{key}/add", 2);
            Assert.Equal(HttpStatusCode.Accepted, signal.StatusCode);
        }

        await Eventually(async () =>
        {
            using var response = await App.Http.GetAsync($"/api/entities/Counter/{key}");
            return response.StatusCode == HttpStatusCode.OK
                && (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("state").GetInt32() == 6;
        }, "entity state 6");
    }

    [Fact]
    public async Task UnknownOrchestrator_InstanceFailsNamingTheKnownOnes()
    {
        var started = await App.StartAsync("NoSuchOrchestrator", null);
        var id = started.GetProperty("id").GetString()!;
        var done = await App.WaitForCompletionAsync(id);
        Assert.Equal("Failed", done.GetProperty("runtimeStatus").GetString());
        Assert.Contains("NoSuchOrchestrator", FailureText(done), StringComparison.Ordinal);
        Assert.Contains("Hello", FailureText(done), StringComparison.Ordinal);
    }

    /// <summary>
    /// Why an instance failed, as a client sees it: the failure details where the backend keeps them (ours), else the output
    /// (Microsoft's Azure Storage provider records the failure there and leaves the state's failure details empty).
    /// </summary>
    private static string FailureText(JsonElement instance) =>
        (instance.GetProperty("failure").GetString() ?? string.Empty) + "|" + (instance.GetProperty("output").GetString() ?? string.Empty);

    protected async Task Eventually(Func<Task<bool>> condition, string what, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(30));
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Never saw {what}.{Environment.NewLine}{App.Logs.Tail(40)}");
            await Task.Delay(20);
        }
    }
}

/// <summary>On the embedded SQLite provider.</summary>
public sealed class SqliteDurableEndToEndTests(SqliteAppFixture app) : DurableEndToEndTests<SqliteAppFixture>(app);

/// <summary>On Microsoft's Azure Storage provider (Azurite).</summary>
public sealed class AzureStorageDurableEndToEndTests(AzuriteAppFixture app) : DurableEndToEndTests<AzuriteAppFixture>(app);
