using ServerlessTasks.Domain.Model;

namespace ServerlessTasks.TaskIndex.Tests;

/// <content>Redrive claims and later runs (dead-letter redrive, workflow rerun).</content>
public abstract partial class TaskIndexContractTests
{
    private static readonly WorkflowTaskStatus[] FromFailed = [WorkflowTaskStatus.Failed];

    private static TaskIndexEntry Claim(TaskIndexEntry failed) => failed with
    {
        Status = WorkflowTaskStatus.Pending, Redrives = failed.Redrives + 1, Version = 0, Error = null, CompletedAt = null,
    };

    [Fact]
    public async Task ClaimRedrive_EightConcurrentClaimsOnOneRun_ExactlyOneWins()
    {
        var index = await CreateAsync();
        var failed = Entry("w", "a", WorkflowTaskStatus.Failed, 3) with { Attempts = 2, Error = "boom" };
        await index.ApplyAsync([failed]);

        var claims = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => index.ClaimRedriveAsync(Claim(failed), FromFailed)));

        Assert.Equal(1, claims.Count(c => c.Claimed));
        Assert.All(claims.Where(c => !c.Claimed), c => Assert.Equal(WorkflowTaskStatus.Pending, c.Current!.Status));
        var now = await index.GetAsync("w", "a");
        Assert.Equal(WorkflowTaskStatus.Pending, now!.Status);
        Assert.Equal(1, now.Redrives);
        Assert.Equal(2, now.Attempts);
        Assert.Null(now.Error);
    }

    [Fact]
    public async Task ClaimRedrive_CompletedUnknownOrOtherRun_RefusedAndUnchanged()
    {
        var index = await CreateAsync();
        var completed = Entry("w", "done", WorkflowTaskStatus.Completed, 3);
        var failed = Entry("w", "failed", WorkflowTaskStatus.Failed, 3);
        await index.ApplyAsync([completed, failed]);

        var ofCompleted = await index.ClaimRedriveAsync(Claim(completed), FromFailed);
        var skippingARun = await index.ClaimRedriveAsync(Claim(failed) with { Redrives = 2 }, FromFailed);
        var unknown = await index.ClaimRedriveAsync(Claim(Entry("w", "nobody", WorkflowTaskStatus.Failed, 3)), FromFailed);

        Assert.False(ofCompleted.Claimed);
        Assert.Equal(WorkflowTaskStatus.Completed, ofCompleted.Current!.Status);
        Assert.False(skippingARun.Claimed);
        Assert.False(unknown.Claimed);
        Assert.Null(unknown.Current);
        Assert.Equal("42", (await index.GetAsync("w", "done"))!.Result);
        Assert.Equal(WorkflowTaskStatus.Failed, (await index.GetAsync("w", "failed"))!.Status);
    }

    [Fact]
    public async Task Apply_LaterRun_SupersedesFinalStateAndEarlierRunsLateUpdateIsIgnored()
    {
        var index = await CreateAsync();
        var failed = Entry("w", "a", WorkflowTaskStatus.Failed, 3) with { Error = "boom" };
        await index.ApplyAsync([failed]);
        Assert.True((await index.ClaimRedriveAsync(Claim(failed), FromFailed)).Claimed);

        await index.ApplyAsync([Entry("w", "a", WorkflowTaskStatus.Running, 2) with { Redrives = 1 }]);
        Assert.Equal(WorkflowTaskStatus.Running, (await index.GetAsync("w", "a"))!.Status);
        await index.ApplyAsync([Entry("w", "a", WorkflowTaskStatus.Completed, 3) with { Redrives = 1 }]);
        await index.ApplyAsync([failed with { Version = 9 }]); // the first run's batch delivered again, late

        var now = await index.GetAsync("w", "a");
        Assert.Equal(WorkflowTaskStatus.Completed, now!.Status);
        Assert.Equal("42", now.Result);
        Assert.Equal(1, now.Redrives);
        Assert.Equal(["a"], (await index.ListWorkflowAsync("w")).Select(e => e.TaskId));
    }
}
