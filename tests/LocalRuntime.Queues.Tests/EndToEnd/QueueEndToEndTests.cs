using System.Net;
using System.Text;
using System.Text.Json;
using ServerlessTasks.Testing;

namespace LocalRuntime.Queues.Tests.EndToEnd;

/// <summary>Queue triggers and outputs through the real host and HostTestApp's real worker; one suite, bound to both transports.</summary>
public abstract class QueueEndToEndTests
{
    /// <summary>Both transports run with these: two deliveries before poison, retries at once.</summary>
    protected static readonly Dictionary<string, string> Settings = new()
    {
        ["AzureFunctionsJobHost:extensions:queues:maxDequeueCount"] = "2",
        ["AzureFunctionsJobHost:extensions:queues:visibilityTimeout"] = "00:00:00",
    };

    protected abstract QueueAppHost App { get; }

    [Fact]
    public async Task StringTrigger_WorkerBindsMessageAndMetadata_ReturnValueSentToOutputQueue()
    {
        var sent = await App.Store.SendAsync("e2e-echo", BinaryData.FromString("héllo"));

        var output = JsonDocument.Parse((await App.WaitForMessagesAsync("e2e-echo-out", 1, m => m.Contains(sent.Id, StringComparison.Ordinal))).Single()).RootElement;

        Assert.Equal("héllo", output.GetProperty("Message").GetString());
        Assert.Equal(sent.Id, output.GetProperty("Id").GetString());
        Assert.Equal(1, output.GetProperty("DequeueCount").GetInt64());
        Assert.True(output.GetProperty("HasPopReceipt").GetBoolean());
        var inserted = DateTimeOffset.Parse(output.GetProperty("InsertionTime").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True((inserted - sent.InsertedOn).Duration() < TimeSpan.FromSeconds(1), $"{inserted:O} vs {sent.InsertedOn:O}");
        await Eventually.TrueAsync(async () => await App.Store.GetCountAsync("e2e-echo") == 0, "the processed message was not deleted");
    }

    [Fact]
    public async Task PocoTrigger_JsonMessageDeserialized_BadJsonPoisonedAfterMaxDequeueCount()
    {
        await App.Store.SendAsync("e2e-poco", BinaryData.FromString("""{"Id":"o1","Quantity":3}"""));
        await App.Store.SendAsync("e2e-poco", BinaryData.FromString("{not json"));

        Assert.Equal(["o1:3"], await App.WaitForMessagesAsync("e2e-poco-out", 1));
        Assert.Equal(["{not json"], await App.WaitForMessagesAsync("e2e-poco-poison", 1));
        await Eventually.TrueAsync(async () => await App.Store.GetCountAsync("e2e-poco") == 0, "the bad message was not removed");
    }

    [Fact]
    public async Task FunctionThrows_RetriedWithNextDequeueCount_AlwaysFailingGoesToPoison()
    {
        await App.Store.SendAsync("e2e-flaky", BinaryData.FromString("fail-once"));
        await App.Store.SendAsync("e2e-flaky", BinaryData.FromString("fail"));

        Assert.Equal(["fail-once:2"], await App.WaitForMessagesAsync("e2e-flaky-out", 1));
        Assert.Equal(["fail"], await App.WaitForMessagesAsync("e2e-flaky-poison", 1));
    }

    [Fact]
    public async Task ArrayReturn_OneMessagePerElement_NullReturnSendsNothing()
    {
        await App.Store.SendAsync("e2e-fanout", BinaryData.FromString("m"));
        await App.Store.SendAsync("e2e-sink", BinaryData.FromString("nothing"));
        await App.Store.SendAsync("e2e-sink", BinaryData.FromString("emit"));

        Assert.Equal(["m|1", "m|2"], (await App.WaitForMessagesAsync("e2e-fanout-out", 2)).Order(StringComparer.Ordinal));
        Assert.Equal(["emitted"], await App.WaitForMessagesAsync("e2e-sink-out", 1));
        await Eventually.TrueAsync(async () => await App.Store.GetCountAsync("e2e-sink") == 0, "the sink messages were not both processed");
        Assert.Equal(1, await App.Store.GetCountAsync("e2e-sink-out"));
    }

    [Fact]
    public async Task HttpTrigger_NamedQueueOutput_WrittenAndTriggersTheQueueFunction()
    {
        using var response = await App.Http.PostAsync("api/queues/echo", new StringContent("from-http", Encoding.UTF8, "text/plain"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var output = Assert.Single(await App.WaitForMessagesAsync("e2e-echo-out", 1, m => JsonDocument.Parse(m).RootElement.GetProperty("Message").GetString() == "from-http"));
        Assert.Equal(1, JsonDocument.Parse(output).RootElement.GetProperty("DequeueCount").GetInt64());
    }
}

/// <summary>The suite on the embedded SQLite queue (the default transport).</summary>
public sealed class SqliteQueueEndToEndTests : QueueEndToEndTests, IAsyncLifetime
{
    private QueueAppHost? _app;

    protected override QueueAppHost App => _app!;

    public async Task InitializeAsync() => _app = await QueueAppHost.StartAsync(Settings);

    public async Task DisposeAsync() => await _app!.DisposeAsync();

    [Fact]
    public void DefaultTransport_IsTheEmbeddedQueueInTheDataFolder()
    {
        var store = Assert.IsType<SqliteQueueStore>(App.Store);
        Assert.EndsWith(Path.Combine("queues.db"), store.Path, StringComparison.Ordinal);
        Assert.Contains(("QueueEcho", "e2e-echo"), App.Extension.Listeners);
    }
}

/// <summary>The suite on Azure Storage queues (Azurite), chosen by <c>LocalRuntime:QueueStore</c>.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzureStorageQueueEndToEndTests(AzuriteFixture azurite) : QueueEndToEndTests, IAsyncLifetime
{
    private QueueAppHost? _app;

    protected override QueueAppHost App => _app!;

    public async Task InitializeAsync() => _app = await QueueAppHost.StartAsync(new Dictionary<string, string>(Settings)
    {
        ["LocalRuntime:QueueStore"] = "azurestorage",
        ["AzureWebJobsStorage"] = azurite.ConnectionString,
    });

    public async Task DisposeAsync() => await _app!.DisposeAsync();

    [Fact]
    public void Transport_IsAzureStorageOnAzurite()
    {
        var store = Assert.IsType<AzureStorageQueueStore>(App.Store);
        Assert.Equal(azurite.QueuePort, store.ServiceUri.Port);
    }
}
