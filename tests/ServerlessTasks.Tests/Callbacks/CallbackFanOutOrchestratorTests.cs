using Microsoft.DurableTask;
using Moq;
using ServerlessTasks.Functions.Callbacks;

namespace ServerlessTasks.Tests.Callbacks;

/// <summary>
/// The fan-out's generations, on a mocked <see cref="TaskOrchestrationContext"/>: the stores' refusals are scripted per
/// chunk, timers complete at once, and what the orchestrator continues with is captured.
/// </summary>
public sealed class CallbackFanOutOrchestratorTests
{
    private static readonly DateTime Now = new(2026, 12, 1, 12, 0, 0, DateTimeKind.Utc);

    [Fact]
    public async Task RunAsync_StoresTakeEveryChunk_ReturnsAllStartedAndDoesNotContinue()
    {
        var notices = Notices(CallbackFanOutOrchestrator.ChunkSize + 10);
        var context = Context(new CallbackFanOutInput(notices, StartedBefore: 7), refusals: _ => 0);

        var started = await CallbackFanOutOrchestrator.RunAsync(context.Object);

        Assert.Equal(7 + notices.Count, started);
        context.Verify(c => c.ContinueAsNew(It.IsAny<object?>(), It.IsAny<bool>()), Times.Never());
    }

    [Fact]
    public async Task RunAsync_OneChunkRefusedEveryRound_ContinuesAsNewWithOnlyThatChunkAndTheCountSoFar()
    {
        var notices = Notices(CallbackFanOutOrchestrator.ChunkSize + 10);
        var refusedChunk = notices.Take(CallbackFanOutOrchestrator.ChunkSize).ToList();
        object? continuedWith = null;
        var context = Context(new CallbackFanOutInput(notices, StartedBefore: 0),
            refusals: chunk => chunk[0] == refusedChunk[0] ? int.MaxValue : 0);
        context.Setup(c => c.ContinueAsNew(It.IsAny<object?>(), false)).Callback<object?, bool>((input, _) => continuedWith = input);

        var started = await CallbackFanOutOrchestrator.RunAsync(context.Object);

        Assert.Equal(10, started);
        var next = Assert.IsType<CallbackFanOutInput>(continuedWith);
        Assert.Equal(10, next.StartedBefore);
        Assert.Equal(refusedChunk, next.Notices);
        // Every refused round waits one pause before the next: a bounded history per generation.
        context.Verify(c => c.CreateTimer(It.IsAny<DateTime>(), It.IsAny<CancellationToken>()), Times.Exactly(CallbackFanOutOrchestrator.RoundsPerGeneration));
    }

    [Fact]
    public async Task RunAsync_ChunkRefusedForAFewRounds_StartsItInTheSameGeneration()
    {
        var notices = Notices(3);
        var context = Context(new CallbackFanOutInput(notices, StartedBefore: 0), refusals: _ => 2);

        var started = await CallbackFanOutOrchestrator.RunAsync(context.Object);

        Assert.Equal(3, started);
        context.Verify(c => c.CreateTimer(It.IsAny<DateTime>(), It.IsAny<CancellationToken>()), Times.Exactly(2));
        context.Verify(c => c.ContinueAsNew(It.IsAny<object?>(), It.IsAny<bool>()), Times.Never());
    }

    /// <summary>A context whose start activity fails <paramref name="refusals"/>(chunk) times for a chunk, then starts all of it.</summary>
    private static Mock<TaskOrchestrationContext> Context(CallbackFanOutInput input, Func<CallbackNotice[], int> refusals)
    {
        var context = new Mock<TaskOrchestrationContext>(MockBehavior.Strict);
        var calls = new Dictionary<string, int>(StringComparer.Ordinal);
        context.Setup(c => c.GetInput<CallbackFanOutInput>()).Returns(input);
        context.SetupGet(c => c.CurrentUtcDateTime).Returns(Now);
        context.Setup(c => c.CreateTimer(It.IsAny<DateTime>(), It.IsAny<CancellationToken>())).Returns(Task.CompletedTask);
        context.Setup(c => c.ContinueAsNew(It.IsAny<object?>(), It.IsAny<bool>()));
        context.Setup(c => c.CallActivityAsync<int>(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<TaskOptions?>()))
            .Returns<TaskName, object?, TaskOptions?>((name, chunkInput, _) =>
            {
                var chunk = Assert.IsType<CallbackNotice[]>(chunkInput);
                var key = chunk[0].DeliveryId;
                calls[key] = calls.GetValueOrDefault(key) + 1;
                return calls[key] <= refusals(chunk)
                    ? Task.FromException<int>(new TaskFailedException(name, calls[key], new TaskFailureDetails("StoreUnavailable", "refused", null, null, null)))
                    : Task.FromResult(chunk.Length);
            });
        return context;
    }

    private static List<CallbackNotice> Notices(int count) =>
        Enumerable.Range(0, count)
            .Select(i => new CallbackNotice("wf", $"t{i}", "task_completed", "https://example.test/hook", "tok", "completed", null, null, null, Now, $"callback:wf:task_completed:t{i}"))
            .ToList();
}
