using System.Diagnostics;
using System.Globalization;
using Xunit.Abstractions;

namespace LocalRuntime.Queues.Tests;

/// <summary>The listener and the embedded queue alone (a fake host that answers at once): what the transport costs per message.</summary>
[Trait("Category", "Measurement")]
public sealed class ListenerThroughputProbe(ITestOutputHelper output)
{
    [Fact]
    public async Task EmbeddedQueue_FakeHost_MessagesPerSecond()
    {
        const int Count = 5000;
        await using var h = QueueHarness.Create(new QueuesOptions(), null, TimeProvider.System, [], FakeFunctionsHost.QueueFunction("Relay", "probe"));
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < Count; i++)
        {
            await h.Store.SendAsync("probe", BinaryData.FromString(i.ToString(CultureInfo.InvariantCulture)));
        }

        var sent = clock.Elapsed;
        clock.Restart();
        await h.ListenAsync();
        await Eventually.TrueAsync(async () => await h.Store.GetCountAsync("probe") == 0, "not drained", TimeSpan.FromMinutes(2));
        var drained = clock.Elapsed;

        output.WriteLine($"sqlite, fake host: {Count} sends in {sent.TotalSeconds:F2} s ({Count / sent.TotalSeconds:F0}/s); drained in {drained.TotalSeconds:F2} s ({Count / drained.TotalSeconds:F0} messages/s, batchSize 16)");
        Assert.Equal(Count, h.Host.Invocations.Count);
    }
}
