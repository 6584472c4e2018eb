using System.Net;
using Microsoft.Extensions.Time.Testing;
using ServerlessTasks.Domain.Clock;

namespace ServerlessTasks.Tests.Events;

/// <summary>HLC order of the journal across a restart of the host (and its worker) on the same stores.</summary>
public sealed class EventCausalityTests : IDisposable
{
    private const string Chain = """
        {"workflow_id":"%ID%","tasks":[
          {"task_id":"a","task_type":"echo","payload":1},
          {"task_id":"b","task_type":"compute","payload":{"iterations":10},"dependencies":["a"]},
          {"task_id":"c","task_type":"echo","payload":3,"dependencies":["b"]}]}
        """;

    private static readonly Dictionary<string, string[]> Dependencies = new()
    {
        ["a"] = [],
        ["b"] = ["a"],
        ["c"] = ["b"],
    };

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "st-events-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task WorkflowEvents_ThreeNodeChainAcrossRestart_OrderedConsistentWithCausality()
    {
        Directory.CreateDirectory(_folder);
        IReadOnlyList<EventRow> before;
        await using (var first = await SqliteAppHost.StartAsync(_folder, NodeId("node-1")))
        {
            await SubmitAsync(first.Http, "chain-1");
            before = await EventAssertions.WaitForEventsAsync(first.Http, "chain-1", tasks: 3, describe: first.Describe);
        }

        await using var second = await SqliteAppHost.StartAsync(_folder, NodeId("node-2"));
        var restored = await second.Http.GetAsync("/api/workflows/chain-1/events");
        Assert.Equal(HttpStatusCode.OK, restored.StatusCode);
        Assert.Equal(before.Select(e => e.Hlc), (await EventAssertions.GetWorkflowEventsAsync(second.Http, "chain-1")).Select(e => e.Hlc));

        await SubmitAsync(second.Http, "chain-2");
        var after = await EventAssertions.WaitForEventsAsync(second.Http, "chain-2", tasks: 3, describe: second.Describe);

        EventAssertions.AssertCausal(before, Dependencies);
        EventAssertions.AssertCausal(after, Dependencies);
        var highestBefore = before.Max(e => e.Hlc);
        Assert.All(after, e => Assert.True(e.Hlc > highestBefore, $"{e.Kind} of {e.TaskId} at {e.Hlc} is not after {highestBefore}"));
        Assert.All(before.Where(e => e.Kind == "started"), e => Assert.Equal("node-1", e.Hlc.NodeId));
        Assert.All(after.Where(e => e.Kind == "started"), e => Assert.Equal("node-2", e.Hlc.NodeId));

        var taskEvents = await second.Http.GetAsync("/api/tasks/b/events?workflow_id=chain-2");
        Assert.Equal(HttpStatusCode.OK, taskEvents.StatusCode);
        Assert.Contains("\"kind\":\"completed\"", await taskEvents.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HostClock_AfterRestart_NeverBelowPersistedHighWaterMark()
    {
        // The first run's durable time is an hour ahead, and its worker accepts stamps that far ahead: the host clock's
        // high-water mark, persisted with the events, ends an hour ahead of real time. After a restart on the real clock,
        // the worker's first own stamp can only exceed it if the clock was restored from the journal.
        Directory.CreateDirectory(_folder);
        HlcTimestamp persisted;
        var ahead = new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(1));
        await using (var first = await SqliteAppHost.StartAsync(_folder, new Dictionary<string, string> { ["Hlc__NodeId"] = "node-1", ["Hlc__MaxOffset"] = "02:00:00" }, ahead))
        {
            await SubmitAsync(first.Http, "mark-1");
            var events = await EventAssertions.WaitForEventsAsync(first.Http, "mark-1", tasks: 3, describe: first.Describe);
            persisted = events.Max(e => e.Hlc);
            Assert.True(persisted.PhysicalTime > DateTimeOffset.UtcNow.AddMinutes(30), $"the first run's stamps are not ahead: {persisted}");
            Assert.Contains(events, e => e.Kind == "started" && e.Hlc.NodeId == "node-1" && e.Hlc.PhysicalTime > DateTimeOffset.UtcNow.AddMinutes(30));
        }

        await using var second = await SqliteAppHost.StartAsync(_folder, NodeId("node-1"));
        await SubmitAsync(second.Http, "mark-2");
        var after = await EventAssertions.WaitForEventsAsync(second.Http, "mark-2", tasks: 3, describe: second.Describe);

        var firstOwn = after.Where(e => e.Hlc.NodeId == "node-1").MinBy(e => e.Hlc)!;
        Assert.True(firstOwn.Hlc.Packed > persisted.Packed, $"the restarted host stamped {firstOwn.Kind} of {firstOwn.TaskId} at {firstOwn.Hlc}, below its persisted mark {persisted}");
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // SQLite may hold a file for a moment after the host stopped; temp is cleaned by the OS.
        }
    }

    private static Dictionary<string, string> NodeId(string node) => new() { ["Hlc__NodeId"] = node };

    private static async Task SubmitAsync(HttpClient http, string id)
    {
        using var response = await http.PostAsync("/api/workflows", new StringContent(Chain.Replace("%ID%", id, StringComparison.Ordinal), System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }
}
