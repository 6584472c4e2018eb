using LocalRuntime.Durable.Engine;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace LocalRuntime.Sqlite.Tests;

/// <summary>Builders for store records, with ids unique within one test.</summary>
public sealed class StoreData
{
    public static readonly DateTime T0 = new(2025, 3, 14, 15, 9, 26, 535, DateTimeKind.Utc);

    public static readonly OrchestrationRuntimeStatus[] DefaultBlocking =
        [OrchestrationRuntimeStatus.Pending, OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Suspended];

    private long _nextId = 1_000;

    public long NextId() => Interlocked.Increment(ref _nextId);

    public static InstanceState State(
        string instanceId,
        OrchestrationRuntimeStatus status = OrchestrationRuntimeStatus.Pending,
        DateTime? createdAt = null,
        string executionId = "exec-1") => new()
        {
            InstanceId = instanceId,
            Name = "Orchestrator",
            ExecutionId = executionId,
            Status = status,
            CreatedAt = createdAt ?? T0,
            LastUpdatedAt = createdAt ?? T0,
            Input = "\"in\"",
        };

    public OrchestrationMessage Start(InstanceState state) => new()
    {
        Id = NextId(),
        InstanceId = state.InstanceId,
        ExecutionId = state.ExecutionId,
        Event = new HistoryEvent { Type = HistoryEventType.ExecutionStarted, Timestamp = state.CreatedAt, Name = state.Name, Data = state.Input, ExecutionId = state.ExecutionId },
    };

    public OrchestrationMessage Event(string instanceId, string name = "Approval", string? data = "true") => new()
    {
        Id = NextId(),
        InstanceId = instanceId,
        Event = new HistoryEvent { Type = HistoryEventType.EventRaised, Timestamp = T0, Name = name, Data = data },
    };

    public OrchestrationMessage TaskCompleted(string instanceId, int taskId, string? result = "42") => new()
    {
        Id = NextId(),
        InstanceId = instanceId,
        ExecutionId = "exec-1",
        Event = new HistoryEvent { Type = HistoryEventType.TaskCompleted, Timestamp = T0, TaskId = taskId, Data = result },
    };

    public ActivityWorkItem Activity(string instanceId, int taskId, string name = "AddOne", string? input = "1") => new()
    {
        Id = NextId(),
        InstanceId = instanceId,
        ExecutionId = "exec-1",
        TaskId = taskId,
        Name = name,
        Input = input,
    };

    public static HistoryEvent Started(string instanceId) =>
        new() { Type = HistoryEventType.ExecutionStarted, Timestamp = T0, Name = "Orchestrator", ExecutionId = "exec-1", InstanceId = instanceId };

    public static HistoryEvent Scheduled(int taskId) =>
        new() { Type = HistoryEventType.TaskScheduled, Timestamp = T0.AddSeconds(taskId), TaskId = taskId, Name = "AddOne", Data = taskId.ToString() };

    public static OrchestrationCheckpoint Checkpoint(
        InstanceState state,
        IReadOnlyList<HistoryEvent>? events = null,
        IReadOnlyList<long>? consumed = null,
        IReadOnlyList<OrchestrationMessage>? outbound = null,
        IReadOnlyList<ActivityWorkItem>? activities = null,
        IReadOnlyList<InstanceState>? newInstances = null,
        bool replaceHistory = false) => new()
        {
            State = state,
            NewEvents = events ?? [],
            ConsumedMessageIds = consumed ?? [],
            OutboundMessages = outbound ?? [],
            NewActivities = activities ?? [],
            NewInstances = newInstances ?? [],
            ReplaceHistory = replaceHistory,
        };

    /// <summary>A failure three levels deep, every field set.</summary>
    public static TaskFailureDetails DeepFailure() => new(
        "Microsoft.DurableTask.TaskFailedException",
        "Task 'Pay' (#3) failed.",
        "   at Outer()\n   at Caller()",
        new TaskFailureDetails(
            "System.InvalidOperationException",
            "gateway said \"no\" \u2014 ünïcødé",
            "   at Pay()",
            new TaskFailureDetails("System.Net.Http.HttpRequestException", "503", null, null)));
}
