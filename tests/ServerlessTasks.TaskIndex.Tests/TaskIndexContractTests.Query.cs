using ServerlessTasks.Domain.Model;

namespace ServerlessTasks.TaskIndex.Tests;

public abstract partial class TaskIndexContractTests
{
    private static readonly DateTimeOffset QueryEpoch = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Twelve tasks: single tasks and workflow tasks, priorities 1-3, one a minute, every third completed.</summary>
    private static async Task<ITaskIndex> SeedQueryAsync(ITaskIndex index)
    {
        var entries = Enumerable.Range(0, 12).Select(i =>
        {
            var task = $"{(i % 2 == 0 ? "order" : "batch")}-{i:D2}";
            return Entry(i % 4 == 0 ? "wf-ä" : TaskIndexEntry.SingleTaskWorkflowId(task), task, i % 3 == 0 ? WorkflowTaskStatus.Completed : WorkflowTaskStatus.Pending, 1) with
            {
                Priority = (i % 3) + 1,
                CreatedAt = QueryEpoch.AddMinutes(i),
            };
        });
        await index.ApplyAsync([.. entries]);
        return index;
    }

    public static TheoryData<TaskQuery> Queries() =>
    [
        new TaskQuery(),
        new TaskQuery(Status: WorkflowTaskStatus.Completed),
        new TaskQuery(Priority: 2),
        new TaskQuery(Prefix: "order-"),
        new TaskQuery(Prefix: "wf-ä"),
        new TaskQuery(Prefix: "wf-a"),
        new TaskQuery(Prefix: "task:batch"),
        new TaskQuery(CreatedFrom: QueryEpoch.AddMinutes(3), CreatedTo: QueryEpoch.AddMinutes(8)),
        new TaskQuery(SingleTasksOnly: true),
        new TaskQuery(WorkflowTaskStatus.Pending, 3, "batch", QueryEpoch.AddMinutes(1), QueryEpoch.AddMinutes(11), SingleTasksOnly: true),
    ];

    [Theory]
    [MemberData(nameof(Queries))]
    public async Task Query_EachFilter_SameTasksAndTotalAsTheReferenceFilterInIndexOrder(TaskQuery query)
    {
        var index = await SeedQueryAsync(await CreateAsync());
        var all = (await index.ListAsync(null, 100, 0)).Items;
        var expected = all.Where(query.Matches).Select(e => (e.WorkflowId, e.TaskId)).ToList();

        var page = await index.QueryAsync(query, 100, 0);
        var paged = await index.QueryAsync(query, 2, 1);

        Assert.Equal(expected, page.Items.Select(e => (e.WorkflowId, e.TaskId)));
        Assert.Equal(expected.Count, page.Total);
        Assert.Equal(expected.Skip(1).Take(2), paged.Items.Select(e => (e.WorkflowId, e.TaskId)));
        Assert.Equal(expected.Count, paged.Total);
    }

    [Fact]
    public async Task Query_Filters_SelectTheExpectedTasks()
    {
        var index = await SeedQueryAsync(await CreateAsync());

        Assert.Equal(12, (await index.QueryAsync(new TaskQuery(), 100, 0)).Total);
        Assert.Equal(["order-00", "order-04", "order-08"], (await index.QueryAsync(new TaskQuery(Prefix: "wf-ä"), 100, 0)).Items.Select(e => e.TaskId));
        Assert.Empty((await index.QueryAsync(new TaskQuery(Prefix: "wf-a"), 100, 0)).Items);
        Assert.Equal(["order-04", "batch-07"], (await index.QueryAsync(new TaskQuery(WorkflowTaskStatus.Pending, 2, CreatedFrom: QueryEpoch.AddMinutes(3), CreatedTo: QueryEpoch.AddMinutes(8)), 100, 0)).Items.Select(e => e.TaskId));
        Assert.Equal(9, (await index.QueryAsync(new TaskQuery(SingleTasksOnly: true), 100, 0)).Total);
    }
}
