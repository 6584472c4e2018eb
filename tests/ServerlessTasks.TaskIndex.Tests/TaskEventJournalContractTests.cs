using ServerlessTasks.Domain.Clock;

namespace ServerlessTasks.TaskIndex.Tests;

/// <summary>The event journal half of every index provider (run through the providers' subclasses).</summary>
public abstract partial class TaskIndexContractTests
{
    private static TaskEvent Event(string workflow, string? task, TaskEventKind kind, long ms, int counter, string node, int attempt = 0) => new()
    {
        WorkflowId = workflow,
        TaskId = task,
        Kind = kind,
        Hlc = new HlcTimestamp(ms, counter, node),
        At = DateTimeOffset.FromUnixTimeMilliseconds(ms),
        Attempt = attempt,
    };

    [Fact]
    public async Task Journal_AppendTwiceOutOfOrder_ReadsOnceInHlcOrder()
    {
        var journal = (ITaskEventJournal)await CreateAsync();
        var batch = new[]
        {
            Event("wf", "b", TaskEventKind.Started, 1_000, 2, "host", 1),
            Event("wf", null, TaskEventKind.Submitted, 1_000, 0, "o-1"),
            Event("wf", "b", TaskEventKind.Dispatched, 1_000, 1, "o-1", 1),
            Event("other", "x", TaskEventKind.Ready, 999, 0, "o-2"),
        };

        await journal.AppendAsync(batch);
        await journal.AppendAsync(batch);

        var all = await journal.ListWorkflowEventsAsync("wf");
        Assert.Equal([TaskEventKind.Submitted, TaskEventKind.Dispatched, TaskEventKind.Started], all.Select(e => e.Kind));
        Assert.Null(all[0].TaskId);
        Assert.Equal("host", all[2].Hlc.NodeId);
        Assert.Equal(2, (await journal.ListTaskEventsAsync("wf", "b")).Count);
        var after = await journal.ReadAfterAsync(new HlcTimestamp(1_000, 0, "o-1"), null, null, 10);
        Assert.Equal([TaskEventKind.Dispatched, TaskEventKind.Started], after.Select(e => e.Kind));
        var upTo = await journal.ReadAfterAsync(null, new HlcTimestamp(1_000, 0, "o-1"), null, 10);
        Assert.Equal([TaskEventKind.Ready, TaskEventKind.Submitted], upTo.Select(e => e.Kind));
    }

    [Fact]
    public async Task Journal_HighWaterMark_IsMaxOfMarksAndEventsAndNeverLowered()
    {
        var journal = (ITaskEventJournal)await CreateAsync();
        Assert.Null(await journal.GetHighWaterMarkAsync());

        await journal.AppendAsync([Event("wf", "a", TaskEventKind.Completed, 2_000, 0, "o-1")], new HlcTimestamp(5_000, 3, "host"));
        await journal.AppendAsync([], new HlcTimestamp(4_000, 0, "host"));

        Assert.Equal(new HlcTimestamp(5_000, 3).Packed, (await journal.GetHighWaterMarkAsync())!.Value.Packed);
    }
}
