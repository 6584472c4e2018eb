using LocalRuntime.Bench;
using System.Globalization;
using LocalRuntime.Durable.Engine;

namespace LocalRuntime.Benchmarks;

/// <summary>Recorded histories of the Sequence orchestrator, built directly (no engine run needed).</summary>
internal static class Histories
{
    public const string InstanceId = "bench";
    public const string ExecutionId = "e1";

    /// <summary>An input large enough that the orchestrator never finishes during a benchmark.</summary>
    public const int EndlessSteps = 1_000_000_000;

    /// <summary>
    /// A history of roughly <paramref name="events"/> events: start, then per step the episode start, the
    /// completion of the previous activity and the scheduling of the next. The last activity stays open.
    /// </summary>
    public static List<HistoryEvent> Sequence(int events, out int openTaskId)
    {
        var t = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var history = new List<HistoryEvent>(events + 3)
        {
            new() { Type = HistoryEventType.OrchestratorStarted, Timestamp = t },
            new()
            {
                Type = HistoryEventType.ExecutionStarted, Timestamp = t, Name = EngineRig.Sequence, InstanceId = InstanceId,
                ExecutionId = ExecutionId, Data = EndlessSteps.ToString(CultureInfo.InvariantCulture),
            },
            new() { Type = HistoryEventType.TaskScheduled, Timestamp = t, TaskId = 0, Name = EngineRig.AddOne, Data = "0" },
        };
        var task = 0;
        while (history.Count + 3 <= events)
        {
            t = t.AddMilliseconds(1);
            var result = (task + 1).ToString(CultureInfo.InvariantCulture);
            history.Add(new HistoryEvent { Type = HistoryEventType.OrchestratorStarted, Timestamp = t });
            history.Add(new HistoryEvent { Type = HistoryEventType.TaskCompleted, Timestamp = t, TaskId = task, Data = result });
            task++;
            history.Add(new HistoryEvent { Type = HistoryEventType.TaskScheduled, Timestamp = t, TaskId = task, Name = EngineRig.AddOne, Data = result });
        }

        openTaskId = task;
        return history;
    }
}
