using LocalRuntime.Durable.Engine;
using Microsoft.DurableTask;

namespace LocalRuntime.Sqlite.Tests;

/// <summary>Field-by-field comparisons of stored records (the engine types have reference equality).</summary>
public static class StoreAssert
{
    /// <summary>Same instant; a UTC time comes back as UTC (an unset, unspecified one may come back either way).</summary>
    public static void Utc(DateTime expected, DateTime actual)
    {
        Assert.Equal(expected.Ticks, actual.Ticks);
        if (expected.Kind == DateTimeKind.Utc)
        {
            Assert.Equal(DateTimeKind.Utc, actual.Kind);
        }
    }

    public static void EventEqual(HistoryEvent expected, HistoryEvent actual)
    {
        Assert.Equal(expected.Type, actual.Type);
        Utc(expected.Timestamp, actual.Timestamp);
        Assert.Equal(expected.TaskId, actual.TaskId);
        Assert.Equal(expected.Name, actual.Name);
        Assert.Equal(expected.Data, actual.Data);
        FailureEqual(expected.Failure, actual.Failure);
        Assert.Equal(expected.InstanceId, actual.InstanceId);
        Assert.Equal(expected.ExecutionId, actual.ExecutionId);
        Assert.Equal(expected.FireAt.HasValue, actual.FireAt.HasValue);
        if (expected.FireAt is { } fireAt)
        {
            Utc(fireAt, actual.FireAt!.Value);
        }

        Assert.Equal(expected.Status, actual.Status);
        Assert.Equal(expected.Parent, actual.Parent);
        TagsEqual(expected.Tags, actual.Tags);
    }

    public static void FailureEqual(TaskFailureDetails? expected, TaskFailureDetails? actual)
    {
        while (expected is not null)
        {
            Assert.NotNull(actual);
            Assert.Equal(expected.ErrorType, actual.ErrorType);
            Assert.Equal(expected.ErrorMessage, actual.ErrorMessage);
            Assert.Equal(expected.StackTrace, actual.StackTrace);
            Assert.Equal(expected.Properties?.OrderBy(p => p.Key, StringComparer.Ordinal), actual.Properties?.OrderBy(p => p.Key, StringComparer.Ordinal));
            expected = expected.InnerFailure;
            actual = actual.InnerFailure;
        }

        Assert.Null(actual);
    }

    public static void TagsEqual(IReadOnlyDictionary<string, string>? expected, IReadOnlyDictionary<string, string>? actual) =>
        Assert.Equal(expected?.OrderBy(p => p.Key, StringComparer.Ordinal), actual?.OrderBy(p => p.Key, StringComparer.Ordinal));

    public static void StateEqual(InstanceState expected, InstanceState? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.InstanceId, actual.InstanceId);
        Assert.Equal(expected.Name, actual.Name);
        Assert.Equal(expected.ExecutionId, actual.ExecutionId);
        Assert.Equal(expected.Status, actual.Status);
        Utc(expected.CreatedAt, actual.CreatedAt);
        Utc(expected.LastUpdatedAt, actual.LastUpdatedAt);
        Assert.Equal(expected.Input, actual.Input);
        Assert.Equal(expected.Output, actual.Output);
        Assert.Equal(expected.CustomStatus, actual.CustomStatus);
        FailureEqual(expected.Failure, actual.Failure);
        Assert.Equal(expected.ParentInstanceId, actual.ParentInstanceId);
        TagsEqual(expected.Tags, actual.Tags);
    }

    public static void MessageEqual(OrchestrationMessage expected, OrchestrationMessage actual)
    {
        Assert.Equal(expected.Id, actual.Id);
        Assert.Equal(expected.InstanceId, actual.InstanceId);
        Assert.Equal(expected.ExecutionId, actual.ExecutionId);
        Assert.Equal(expected.VisibleAt.HasValue, actual.VisibleAt.HasValue);
        if (expected.VisibleAt is { } visibleAt)
        {
            Utc(visibleAt, actual.VisibleAt!.Value);
        }

        EventEqual(expected.Event, actual.Event);
    }

    public static void ActivityEqual(ActivityWorkItem expected, ActivityWorkItem actual)
    {
        Assert.Equal(expected.Id, actual.Id);
        Assert.Equal(expected.InstanceId, actual.InstanceId);
        Assert.Equal(expected.ExecutionId, actual.ExecutionId);
        Assert.Equal(expected.TaskId, actual.TaskId);
        Assert.Equal(expected.Name, actual.Name);
        Assert.Equal(expected.Input, actual.Input);
        Assert.Equal(expected.DequeueCount, actual.DequeueCount);
    }
}
