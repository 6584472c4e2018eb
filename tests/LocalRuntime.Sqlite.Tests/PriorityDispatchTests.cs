using DurableTask.Core;
using DurableTask.Core.History;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace LocalRuntime.Sqlite.Tests;

/// <summary>
/// Priority at dispatch: ready orchestrations and activities are handed out by the <c>priority</c> tag, highest first,
/// aged by <see cref="SqliteOrchestrationServiceOptions.PriorityAgingStep"/>, first in first out within a level.
/// </summary>
public sealed class PriorityDispatchTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "sqlite-priority-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    [Fact]
    public async Task LockNextOrchestration_StartsWithPriorityTags_HighestFirstThenInArrivalOrder()
    {
        using var service = NewService();
        await service.StartAsync();
        await StartAsync(service, "low", 1);
        await StartAsync(service, "high-1", 9);
        await StartAsync(service, "untagged", null);
        await StartAsync(service, "high-2", 9);
        await StartAsync(service, "not-a-number", null, "urgent");

        var order = await LockOrchestrationsAsync(service, 5);

        Assert.Equal(["high-1", "high-2", "untagged", "not-a-number", "low"], order);
    }

    [Theory]
    [InlineData(79, "high")]
    [InlineData(81, "low")]
    public async Task LockNextOrchestration_LowPriorityWaitingLongerThanTheGapTimesTheStep_AgesAhead(int waitedSeconds, string first)
    {
        using var service = NewService();
        await service.StartAsync();
        await StartAsync(service, "low", 1);
        _clock.Advance(TimeSpan.FromSeconds(waitedSeconds)); // 8 levels x 10 s: the low one ages past the high one after 80 s
        await StartAsync(service, "high", 9);

        var order = await LockOrchestrationsAsync(service, 2);

        Assert.Equal(first, order[0]);
    }

    [Fact]
    public async Task LockNextOrchestration_ZeroAgingStep_FirstInFirstOut()
    {
        using var service = NewService(TimeSpan.Zero);
        await service.StartAsync();
        await StartAsync(service, "low", 1);
        await StartAsync(service, "high", 9);

        Assert.Equal(["low", "high"], await LockOrchestrationsAsync(service, 2));
    }

    [Fact]
    public async Task LockNextActivity_ActivitiesInheritTheirInstancePriority_TheirOwnTagWins()
    {
        using var service = NewService();
        await service.StartAsync();
        await ScheduleActivityAsync(service, "two", 2, "from-two", activityPriority: null);
        await ScheduleActivityAsync(service, "two-tagged", 2, "from-two-tagged-ten", activityPriority: 10);
        await ScheduleActivityAsync(service, "eight", 8, "from-eight", activityPriority: null);

        var order = await LockActivitiesAsync(service, 3);

        Assert.Equal(["from-two-tagged-ten", "from-eight", "from-two"], order);
    }

    [Fact]
    public async Task Start_AfterRestart_RunningInstancesAndTheirActivitiesKeepTheirPriority()
    {
        using (var service = NewService())
        {
            await service.StartAsync();
            var low = await ScheduleActivityAsync(service, "low", 1, "low-activity", activityPriority: null);
            var high = await ScheduleActivityAsync(service, "high", 9, "high-activity", activityPriority: null);
            await service.SendTaskOrchestrationMessageBatchAsync(Raised(low), Raised(high));
        }

        using var restarted = NewService();
        await restarted.StartAsync();

        Assert.Equal(["high-activity", "low-activity"], await LockActivitiesAsync(restarted, 2));
        Assert.Equal(["high", "low"], await LockOrchestrationsAsync(restarted, 2));
    }

    [Fact]
    public void Options_InvalidPrioritySettings_ThrowNamingTheSetting()
    {
        Assert.Equal("PriorityTag", Assert.Throws<ArgumentException>(() => new SqliteOrchestrationServiceOptions { PriorityTag = "" }.Validate()).ParamName);
        Assert.Equal("DefaultPriority", Assert.Throws<ArgumentOutOfRangeException>(() => new SqliteOrchestrationServiceOptions { DefaultPriority = 5000 }.Validate()).ParamName);
        Assert.Equal("PriorityAgingStep", Assert.Throws<ArgumentOutOfRangeException>(() => new SqliteOrchestrationServiceOptions { PriorityAgingStep = TimeSpan.FromSeconds(-1) }.Validate()).ParamName);
    }

    private static TaskMessage Raised(OrchestrationInstance instance) =>
        new() { OrchestrationInstance = instance, Event = new EventRaisedEvent(-1, "null") { Name = "Go" } };

    private static Task StartAsync(SqliteOrchestrationService service, string id, int? priority, string? tagValue = null)
    {
        var instance = new OrchestrationInstance { InstanceId = id, ExecutionId = "exec-" + id };
        var tag = tagValue ?? priority?.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return service.CreateTaskOrchestrationAsync(new TaskMessage
        {
            OrchestrationInstance = instance,
            Event = new ExecutionStartedEvent(-1, "null")
            {
                Name = "Manual",
                Version = string.Empty,
                OrchestrationInstance = instance,
                Tags = tag is null ? null : new Dictionary<string, string> { ["priority"] = tag },
            },
        });
    }

    /// <summary>Starts an instance and checkpoints its first episode by hand (no worker): one activity scheduled.</summary>
    private static async Task<OrchestrationInstance> ScheduleActivityAsync(SqliteOrchestrationService service, string id, int priority, string activity, int? activityPriority)
    {
        await StartAsync(service, id, priority);
        var workItem = (await service.LockNextOrchestrationWorkItemAsync(Wait, CancellationToken.None))!;
        Assert.Equal(id, workItem.InstanceId);
        var started = (ExecutionStartedEvent)workItem.NewMessages.Single().Event;
        var state = workItem.OrchestrationRuntimeState;
        state.AddEvent(new OrchestratorStartedEvent(-1));
        state.AddEvent(started);
        var scheduled = new TaskScheduledEvent(0)
        {
            Name = activity,
            Version = string.Empty,
            Input = "[]",
            Tags = activityPriority is { } p ? new Dictionary<string, string> { ["priority"] = p.ToString(System.Globalization.CultureInfo.InvariantCulture) } : null,
        };
        state.AddEvent(scheduled);
        state.AddEvent(new OrchestratorCompletedEvent(-1));
        var orchestrationState = new OrchestrationState
        {
            OrchestrationInstance = started.OrchestrationInstance,
            Name = "Manual",
            Version = string.Empty,
            OrchestrationStatus = OrchestrationStatus.Running,
            CreatedTime = DateTime.UtcNow,
            LastUpdatedTime = DateTime.UtcNow,
            CompletedTime = DateTime.MaxValue,
            Tags = started.Tags,
        };
        await service.CompleteTaskOrchestrationWorkItemAsync(
            workItem, state, [new TaskMessage { OrchestrationInstance = started.OrchestrationInstance, Event = scheduled }], [], [], null!, orchestrationState);
        await service.ReleaseTaskOrchestrationWorkItemAsync(workItem);
        return started.OrchestrationInstance;
    }

    private static async Task<List<string>> LockOrchestrationsAsync(SqliteOrchestrationService service, int count)
    {
        var order = new List<string>();
        for (var i = 0; i < count; i++)
        {
            order.Add((await service.LockNextOrchestrationWorkItemAsync(Wait, CancellationToken.None)).InstanceId);
        }

        return order;
    }

    private static async Task<List<string>> LockActivitiesAsync(SqliteOrchestrationService service, int count)
    {
        var order = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var item = (await service.LockNextTaskActivityWorkItem(Wait, CancellationToken.None))!;
            order.Add(((TaskScheduledEvent)item.TaskMessage.Event).Name!);
        }

        return order;
    }

    private SqliteOrchestrationService NewService(TimeSpan? agingStep = null) => new(new SqliteOrchestrationServiceOptions
    {
        DatabasePath = Path.Combine(_folder, "hub.db"),
        TimeProvider = _clock,
        PriorityAgingStep = agingStep ?? TimeSpan.FromSeconds(10),
    });
}
