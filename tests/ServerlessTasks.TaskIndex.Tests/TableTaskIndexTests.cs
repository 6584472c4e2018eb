using Azure.Data.Tables;
using ServerlessTasks.Domain.Clock;
using ServerlessTasks.Domain.Model;
using ServerlessTasks.TaskIndex.Tables;
using ServerlessTasks.Testing;

namespace ServerlessTasks.TaskIndex.Tests;

/// <summary>The contract suites on the Azure Tables provider, against Azurite; every index gets tables of its own.</summary>
public sealed class TableTaskIndexTests(AzuriteFixture azurite) : TaskIndexContractTests, IClassFixture<AzuriteFixture>
{
    protected override async Task<ITaskIndex> CreateAsync() => await CreateOnAsync(azurite, UniquePrefix());

    internal static string UniquePrefix() => "t" + Guid.NewGuid().ToString("N")[..12];

    internal static async Task<TableTaskIndex> CreateOnAsync(AzuriteFixture azurite, string prefix)
    {
        // A client of its own per index: two indexes on one prefix are two hosts sharing one storage account.
        var index = new TableTaskIndex(new TableServiceClient(azurite.ConnectionString), prefix);
        await index.InitializeAsync();
        return index;
    }

    [Fact]
    public async Task Apply_LargeTextAndHostileIds_RoundTrip()
    {
        var index = await CreateAsync();
        var result = "\"" + new string('x', 200_000) + "\"";
        var entry = new TaskIndexEntry
        {
            WorkflowId = "wf/#?%!'\"",
            TaskId = "t\u00e9\u4e2d\ud83d\ude00!%",
            TaskType = "echo",
            Status = WorkflowTaskStatus.Completed,
            Result = result,
            Error = "e",
            CreatedAt = DateTimeOffset.UnixEpoch,
            Version = 1,
        };

        await index.ApplyAsync([entry]);

        var read = await index.GetAsync(entry.WorkflowId, entry.TaskId);
        Assert.Equal(result, read!.Result);
        Assert.Equal(entry.TaskId, read.TaskId);
        Assert.Equal([entry.TaskId], (await index.ListWorkflowAsync(entry.WorkflowId)).Select(e => e.TaskId));
    }

    [Fact]
    public async Task Apply_TwoHostsRaceOnOneTask_HighestVersionWinsAndNothingGoesBack()
    {
        var prefix = UniquePrefix();
        var hosts = new[] { await CreateOnAsync(azurite, prefix), await CreateOnAsync(azurite, prefix) };
        static TaskIndexEntry At(long version, WorkflowTaskStatus status) => new()
        {
            WorkflowId = "race", TaskId = "a", TaskType = "echo", Status = status, CreatedAt = DateTimeOffset.UnixEpoch, Version = version,
        };

        // Versions 1-40 from both hosts at once, each host its own order; version 40 is final.
        await Task.WhenAll(hosts.Select((host, h) => Task.Run(async () =>
        {
            foreach (var version in Enumerable.Range(1, 40).OrderBy(v => h == 0 ? v : -v))
            {
                await host.ApplyAsync([At(version, version == 40 ? WorkflowTaskStatus.Completed : WorkflowTaskStatus.Running)]);
            }
        })));

        var final = await hosts[1].GetAsync("race", "a");
        Assert.Equal(40, final!.Version);
        Assert.Equal(WorkflowTaskStatus.Completed, final.Status);
    }

    [Fact]
    public async Task Watch_RacingTheDependencysCompletionOnAnotherHost_WaiterIsNeverLost()
    {
        var prefix = UniquePrefix();
        var (a, b) = (await CreateOnAsync(azurite, prefix), await CreateOnAsync(azurite, prefix));
        for (var i = 0; i < 20; i++)
        {
            var dependency = $"task:dep-{i}";
            await a.ApplyAsync([new TaskIndexEntry { WorkflowId = dependency, TaskId = $"dep-{i}", TaskType = "echo", Status = WorkflowTaskStatus.Running, Version = 1 }]);

            var watch = Task.Run(() => b.WatchAsync([(dependency, $"dep-{i}")], $"task:waiter-{i}"));
            var finish = Task.Run(() => a.ApplyAsync([new TaskIndexEntry { WorkflowId = dependency, TaskId = $"dep-{i}", TaskType = "echo", Status = WorkflowTaskStatus.Completed, Version = 2 }]));
            var seen = (await watch)[0]!;
            var told = await finish;

            // Either the watch saw it finished, or the completion reported the waiter: never neither.
            Assert.True(seen.IsTerminal || told.Any(w => w.WaiterInstanceId == $"task:waiter-{i}"), $"round {i}: waiter lost");
        }
    }

    [Fact]
    public async Task Journal_TwoHostsAppendOneWorkflowsEventsConcurrently_NothingLostNothingDuplicated()
    {
        var prefix = UniquePrefix();
        var hosts = new[] { await CreateOnAsync(azurite, prefix), await CreateOnAsync(azurite, prefix) };
        // 300 events of one workflow; each host appends all of them (overlapping batches of 25, each host its own
        // order and its own stamps for the same identities), as two instances delivering the same batches would.
        const int count = 300;
        TaskEvent Event(int i, int host) => new()
        {
            WorkflowId = "wf-shared",
            TaskId = $"t{i % 50}",
            Kind = (TaskEventKind)(i / 50),
            Attempt = 1,
            Hlc = new HlcTimestamp(1_700_000_000_000 + i, host, $"host-{host}"),
            At = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000 + i),
        };

        await Task.WhenAll(hosts.Select((host, h) => Task.Run(async () =>
        {
            var order = Enumerable.Range(0, count).OrderBy(i => h == 0 ? i : (i * 7919) % count).ToList();
            foreach (var batch in order.Chunk(25))
            {
                await host.AppendAsync([.. batch.Select(i => Event(i, h))], new HlcTimestamp(1_700_000_000_000 + count, 0, $"host-{h}"));
            }
        })));

        var listed = await hosts[0].ListWorkflowEventsAsync("wf-shared");
        var streamed = await hosts[1].ReadAfterAsync(null, null, null, 10_000);
        Assert.Equal(count, listed.Count);
        Assert.Equal(count, listed.Select(e => (e.TaskId, e.Kind)).Distinct().Count());
        Assert.Equal(listed.Select(e => (e.TaskId, e.Kind, e.Hlc)), streamed.Select(e => (e.TaskId, e.Kind, e.Hlc)));
        Assert.Equal(streamed.OrderBy(e => e, Comparer<TaskEvent>.Create(TaskEvent.CompareByHlc)), streamed);
        Assert.Equal(new HlcTimestamp(1_700_000_000_000 + count, 0).Packed, (await hosts[1].GetHighWaterMarkAsync())!.Value.Packed);
    }

    [Fact]
    public async Task Journal_ReadAfter_CrossesHoursAndHonoursLimit()
    {
        var journal = await CreateOnAsync(azurite, UniquePrefix());
        var hour = 3_600_000L;
        var events = Enumerable.Range(0, 6).Select(i => new TaskEvent
        {
            WorkflowId = "wf", TaskId = $"t{i}", Kind = TaskEventKind.Completed, Hlc = new HlcTimestamp(1_700_000_000_000 + (i * hour / 2), 0, "n"),
        }).ToList();
        await journal.AppendAsync(events);

        var firstTwo = await journal.ReadAfterAsync(null, null, null, 2);
        var rest = await journal.ReadAfterAsync(firstTwo[^1].Hlc, events[4].Hlc, null, 100);

        Assert.Equal(["t0", "t1"], firstTwo.Select(e => e.TaskId));
        Assert.Equal(["t2", "t3", "t4"], rest.Select(e => e.TaskId));
    }
}
