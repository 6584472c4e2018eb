using System.Diagnostics;
using System.Globalization;
using Azure.Storage.Queues;
using ServerlessTasks.Testing;
using Xunit.Abstractions;

namespace LocalRuntime.Queues.Tests.EndToEnd;

/// <summary>
/// Submit -> trigger latency and throughput through the real host and worker (QueueRelay passes each message to
/// e2e-relay-out; the time is taken when the host writes that output). Bounded in count and time; figures printed.
/// Run with <c>--filter Category=Measurement --logger "console;verbosity=detailed"</c>.
/// </summary>
[Trait("Category", "Measurement")]
public abstract class QueueMeasurements(ITestOutputHelper output)
{
    protected abstract QueueAppHost App { get; }

    protected abstract string Transport { get; }

    protected virtual int LatencySamples => 200;

    protected virtual int ThroughputMessages => 2000;

    [Fact]
    public async Task Latency_SequentialMessages_SubmitToFunctionOutput()
    {
        await MeasureWarmAsync();
        var samples = new List<double>(LatencySamples);
        for (var i = 0; i < LatencySamples; i++)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            void OnAdded(string queue)
            {
                if (queue == "e2e-relay-out")
                {
                    done.TrySetResult();
                }
            }

            App.Store.MessageAdded += OnAdded;
            var clock = Stopwatch.StartNew();
            await App.Store.SendAsync("e2e-relay", BinaryData.FromString(i.ToString(CultureInfo.InvariantCulture)));
            await done.Task.WaitAsync(TimeSpan.FromSeconds(30));
            samples.Add(clock.Elapsed.TotalMilliseconds);
            App.Store.MessageAdded -= OnAdded;
        }

        var (p50, p99) = Percentiles(samples);
        output.WriteLine($"{Transport}: submit -> function output, {LatencySamples} sequential messages: p50 {p50:F2} ms, p99 {p99:F2} ms, max {samples.Max():F2} ms");
        Assert.True(p50 < 1000, $"p50 {p50} ms");
    }

    [Fact]
    public async Task Throughput_BatchSize16_MessagesPerSecond()
    {
        await MeasureWarmAsync();
        var outputs = 0;
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnAdded(string queue)
        {
            if (queue == "e2e-relay-out" && Interlocked.Increment(ref outputs) == ThroughputMessages)
            {
                all.TrySetResult();
            }
        }

        App.Store.MessageAdded += OnAdded;
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, ThroughputMessages), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
            await App.Store.SendAsync("e2e-relay", BinaryData.FromString(i.ToString(CultureInfo.InvariantCulture)), cancellation: ct));
        var sent = clock.Elapsed;
        await all.Task.WaitAsync(TimeSpan.FromMinutes(3));
        var elapsed = clock.Elapsed;
        App.Store.MessageAdded -= OnAdded;

        output.WriteLine($"{Transport}: {ThroughputMessages} messages (sent with 8 in parallel in {sent.TotalSeconds:F2} s), all through the function in {elapsed.TotalSeconds:F2} s: {ThroughputMessages / elapsed.TotalSeconds:F0} messages/s (batchSize 16, newBatchThreshold {new QueuesOptions().EffectiveNewBatchThreshold})");
        Assert.Equal(ThroughputMessages, outputs);
    }

    private async Task MeasureWarmAsync()
    {
        await App.Store.SendAsync("e2e-relay", BinaryData.FromString("warm-up"));
        await App.WaitForMessagesAsync("e2e-relay-out", 1, m => m == "warm-up");
    }

    internal static (double P50, double P99) Percentiles(List<double> samples)
    {
        var sorted = samples.Order().ToArray();
        return (sorted[(int)Math.Floor(0.50 * (sorted.Length - 1))], sorted[(int)Math.Floor(0.99 * (sorted.Length - 1))]);
    }
}

public sealed class SqliteQueueMeasurements(ITestOutputHelper output) : QueueMeasurements(output), IAsyncLifetime
{
    private QueueAppHost? _app;

    protected override QueueAppHost App => _app!;

    protected override string Transport => "sqlite";

    public async Task InitializeAsync() => _app = await QueueAppHost.StartAsync(new Dictionary<string, string>());

    public async Task DisposeAsync() => await _app!.DisposeAsync();
}

[Collection(AzuriteCollection.Name)]
public sealed class AzureStorageQueueMeasurements(ITestOutputHelper output, AzuriteFixture azurite) : QueueMeasurements(output), IAsyncLifetime
{
    private readonly ITestOutputHelper _output = output;
    private QueueAppHost? _app;

    protected override QueueAppHost App => _app!;

    protected override string Transport => "azurestorage (Azurite)";

    protected override int LatencySamples => 100;

    protected override int ThroughputMessages => 500;

    public async Task InitializeAsync() => _app = await QueueAppHost.StartAsync(new Dictionary<string, string>
    {
        ["LocalRuntime:QueueStore"] = "azurestorage",
        ["AzureWebJobsStorage"] = azurite.ConnectionString,
    });

    public async Task DisposeAsync() => await _app!.DisposeAsync();

    /// <summary>A producer outside the host is not signalled: the listener finds its messages by polling (maxPollingInterval 1 s).</summary>
    [Fact]
    public async Task Latency_ExternalProducer_BoundedByThePollInterval()
    {
        var relay = new QueueClient(azurite.ConnectionString, "e2e-relay", new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        await relay.CreateIfNotExistsAsync();
        var samples = new List<double>();
        for (var i = 0; i < 20; i++)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            void OnAdded(string queue)
            {
                if (queue == "e2e-relay-out")
                {
                    done.TrySetResult();
                }
            }

            App.Store.MessageAdded += OnAdded;
            var clock = Stopwatch.StartNew();
            await relay.SendMessageAsync("external-" + i.ToString(CultureInfo.InvariantCulture));
            await done.Task.WaitAsync(TimeSpan.FromSeconds(30));
            samples.Add(clock.Elapsed.TotalMilliseconds);
            App.Store.MessageAdded -= OnAdded;
        }

        var (p50, p99) = Percentiles(samples);
        _output.WriteLine($"azurestorage (Azurite), producer outside the host: 20 sequential messages: p50 {p50:F0} ms, p99 {p99:F0} ms");
        Assert.True(p99 < 2500, $"p99 {p99} ms: polling backed off past maxPollingInterval");
    }
}
