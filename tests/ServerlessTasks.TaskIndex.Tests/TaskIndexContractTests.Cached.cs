using ServerlessTasks.Domain.Model;

namespace ServerlessTasks.TaskIndex.Tests;

public abstract partial class TaskIndexContractTests
{
    [Fact]
    public async Task Apply_CachedCompletion_RoundTripsTheFlag()
    {
        var index = await CreateAsync();
        var ran = Entry("w", "ran", WorkflowTaskStatus.Completed, 3) with { Attempts = 1 };
        var served = Entry("w", "served", WorkflowTaskStatus.Completed, 3) with { Attempts = 0, Cached = true };
        await index.ApplyAsync([ran, served]);

        Assert.False((await index.GetAsync("w", "ran"))!.Cached);
        var read = await index.GetAsync("w", "served");
        Assert.True(read!.Cached);
        Assert.Equal(0, read.Attempts);
        Assert.Equal([false, true], (await index.ListWorkflowAsync("w")).Select(e => e.Cached));
    }
}
