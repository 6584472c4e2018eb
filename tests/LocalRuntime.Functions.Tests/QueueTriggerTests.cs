using System.Net;
using System.Text;
using Microsoft.Extensions.Time.Testing;

namespace LocalRuntime.Functions.Tests;

/// <summary>Queue triggers and outputs on the host's own queues.</summary>
public sealed class QueueTriggerTests
{
    private static readonly DateTimeOffset Start = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task HttpMultiOutput_EnqueuesOrderAndTexts_TriggersRunAndReturnValueIsSent()
    {
        await using var app = await TestApp.StartAsync();

        using var response = await app.Http.PostAsync("/api/orders", new StringContent("""{"id":"o1"}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await Eventually.TrueAsync(async () => (await app.Queues.PeekAllAsync("processed")).Count == 1, "the order was not processed");
        Assert.Equal("processed:o1", (await app.Queues.PeekAllAsync("processed")).Single().Body);
        await Eventually.TrueAsync(() => app.Probe.Count("text:") == 2, "the texts were not processed");
        Assert.Contains("text:text-o1-a", app.Probe.Events);
        Assert.Contains("text:text-o1-b", app.Probe.Events);
        var order = Assert.Single(app.Probe.Events, e => e.StartsWith("order:o1:", StringComparison.Ordinal));
        Assert.StartsWith("order:o1:1:1:", order, StringComparison.Ordinal); // first attempt, dequeueCount 1, id bound
        await Eventually.TrueAsync(async () => (await app.Queues.PeekAllAsync("orders")).Count == 0, "the processed order was not deleted");
    }

    [Fact]
    public async Task Trigger_MessageEnqueuedDirectly_IsDeliveredWithoutPolling()
    {
        // A fake clock that never moves: delivery can only come from the enqueue signal.
        var clock = new FakeTimeProvider(Start);
        await using var app = await TestApp.StartAsync(clock: clock);

        await app.Queues.EnqueueAsync("texts", "hello");

        await Eventually.TrueAsync(() => app.Probe.Events.Contains("text:hello"), "the message was not delivered");
    }

    [Fact]
    public async Task Failure_MessageVisibleAgainOnlyAfterVisibilityTimeout()
    {
        var clock = new FakeTimeProvider(Start);
        await using var app = await TestApp.StartAsync(
            new Dictionary<string, string> { ["AzureFunctionsJobHost:extensions:queues:visibilityTimeout"] = "00:00:30" }, clock: clock);

        await app.Queues.EnqueueAsync("orders", """{"id":"v1","failTimes":1}""");

        await Eventually.TrueAsync(async () => (await app.Queues.PeekAllAsync("orders")) is [{ PopReceipt: null, DequeueCount: 1 }], "the failed message was not released");
        var released = (await app.Queues.PeekAllAsync("orders")).Single();
        Assert.Equal(Start.AddSeconds(30), released.NextVisibleAt);
        Assert.Equal(1, app.Probe.Attempts["order:v1"]);

        clock.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(1, app.Probe.Attempts["order:v1"]);
        clock.Advance(TimeSpan.FromSeconds(1));

        await Eventually.TrueAsync(async () => (await app.Queues.PeekAllAsync("processed")).Count == 1, "the message was not redelivered after the timeout",
            nudge: () => clock.Advance(TimeSpan.FromMilliseconds(100)));
        Assert.Equal(2, app.Probe.Attempts["order:v1"]);
        Assert.Contains(app.Probe.Events, e => e.StartsWith("order:v1:2:2:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Poison_AfterMaxDequeueCount_MovedToPoisonQueueAfterExactlyThatManyAttempts()
    {
        await using var app = await TestApp.StartAsync(new Dictionary<string, string>
        {
            ["AzureFunctionsJobHost:extensions:queues:maxDequeueCount"] = "3",
            ["AzureFunctionsJobHost:extensions:queues:visibilityTimeout"] = "00:00:00",
        });

        await app.Queues.EnqueueAsync("texts", "poison-pill");
        await app.Queues.EnqueueAsync("texts", "fine");

        await Eventually.TrueAsync(async () => (await app.Queues.PeekAllAsync("texts-poison")).Count == 1, "the message never reached the poison queue");
        var poisoned = (await app.Queues.PeekAllAsync("texts-poison")).Single();
        Assert.Equal("poison-pill", poisoned.Body);
        Assert.Equal(3, app.Probe.Events.Count(e => e == "text:poison-pill"));
        Assert.Contains("text:fine", app.Probe.Events);
        Assert.Empty(await app.Queues.PeekAllAsync("texts"));
    }

    [Fact]
    public async Task BadJson_ForPocoTrigger_EndsInPoisonQueue()
    {
        await using var app = await TestApp.StartAsync(new Dictionary<string, string>
        {
            ["AzureFunctionsJobHost:extensions:queues:maxDequeueCount"] = "2",
        });

        await app.Queues.EnqueueAsync("orders", "{not json");

        await Eventually.TrueAsync(async () => (await app.Queues.PeekAllAsync("orders-poison")).Count == 1, "the undeserialisable message was not poisoned");
        Assert.Empty(await app.Queues.PeekAllAsync("orders"));
    }

    [Fact]
    public async Task Sqlite_MessagesSurviveRestart()
    {
        using var folder = new TempFolder();
        var db = folder.File("durable.db");
        await using (var first = await TestApp.StartAsync(sqlitePath: db))
        {
            using var response = await first.Http.PostAsync("/api/orders", new StringContent("""{"id":"s1"}""", Encoding.UTF8, "application/json"));
            await Eventually.TrueAsync(async () => (await first.Queues.PeekAllAsync("processed")).Count == 1, "not processed");
        }

        Assert.True(File.Exists(folder.File("durable-queues.db")));
        await using var second = await TestApp.StartAsync(sqlitePath: db);
        Assert.Equal("processed:s1", (await second.Queues.PeekAllAsync("processed")).Single().Body);
    }

    [Fact]
    public async Task AppSettingQueueName_Invalid_FailsTheBuild()
    {
        var error = Assert.Throws<InvalidOperationException>(() => TestApp.Build(
            new Dictionary<string, string> { ["OrdersQueue"] = "Not_Valid" }, null, null, "Warning", out _));
        Assert.Contains("not a valid queue name", error.Message, StringComparison.Ordinal);
        await Task.CompletedTask;
    }
}

/// <summary>A temp folder removed at the end of a test.</summary>
public sealed class TempFolder : IDisposable
{
    public TempFolder() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "lrf-tests-" + Guid.NewGuid().ToString("N"));

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A child process may still hold a file for a moment; the OS cleans temp.
        }
    }
}
