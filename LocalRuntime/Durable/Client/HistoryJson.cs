using DurableTask.Core.History;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace LocalRuntime.Durable.Client;

/// <summary>
/// Typed DTFx history events from the JSON array a backend's <c>GetOrchestrationHistoryAsync</c> returns (Azure
/// Storage writes them without type names, so the concrete type comes from each event's <c>EventType</c>).
/// </summary>
internal static class HistoryJson
{
    private static readonly JsonSerializer Serializer = JsonSerializer.Create(new JsonSerializerSettings
    {
        ConstructorHandling = ConstructorHandling.AllowNonPublicDefaultConstructor,
        DateParseHandling = DateParseHandling.DateTime,
        DateTimeZoneHandling = DateTimeZoneHandling.Utc,
        TypeNameHandling = TypeNameHandling.None,
    });

    private static readonly Dictionary<EventType, Type> Types = new()
    {
        [EventType.ExecutionStarted] = typeof(ExecutionStartedEvent),
        [EventType.ExecutionCompleted] = typeof(ExecutionCompletedEvent),
        [EventType.ExecutionTerminated] = typeof(ExecutionTerminatedEvent),
        [EventType.TaskScheduled] = typeof(TaskScheduledEvent),
        [EventType.TaskCompleted] = typeof(TaskCompletedEvent),
        [EventType.TaskFailed] = typeof(TaskFailedEvent),
        [EventType.SubOrchestrationInstanceCreated] = typeof(SubOrchestrationInstanceCreatedEvent),
        [EventType.SubOrchestrationInstanceCompleted] = typeof(SubOrchestrationInstanceCompletedEvent),
        [EventType.SubOrchestrationInstanceFailed] = typeof(SubOrchestrationInstanceFailedEvent),
        [EventType.TimerCreated] = typeof(TimerCreatedEvent),
        [EventType.TimerFired] = typeof(TimerFiredEvent),
        [EventType.OrchestratorStarted] = typeof(OrchestratorStartedEvent),
        [EventType.OrchestratorCompleted] = typeof(OrchestratorCompletedEvent),
        [EventType.EventSent] = typeof(EventSentEvent),
        [EventType.EventRaised] = typeof(EventRaisedEvent),
        [EventType.ContinueAsNew] = typeof(ContinueAsNewEvent),
        [EventType.GenericEvent] = typeof(GenericEvent),
        [EventType.HistoryState] = typeof(HistoryStateEvent),
        [EventType.ExecutionSuspended] = typeof(ExecutionSuspendedEvent),
        [EventType.ExecutionResumed] = typeof(ExecutionResumedEvent),
        [EventType.ExecutionRewound] = typeof(ExecutionRewoundEvent),
    };

    /// <summary>The events of <paramref name="json"/>, in order; events of a type DTFx has no class for are skipped.</summary>
    public static IReadOnlyList<HistoryEvent> Parse(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return [];
        }

        using var reader = new JsonTextReader(new StringReader(json)) { DateParseHandling = DateParseHandling.DateTime, DateTimeZoneHandling = DateTimeZoneHandling.Utc };
        var array = JArray.Load(reader);
        var events = new List<HistoryEvent>(array.Count);
        foreach (var item in array.OfType<JObject>())
        {
            if (TypeOf(item["EventType"]) is { } type && Types.TryGetValue(type, out var clrType)
                && item.ToObject(clrType, Serializer) is HistoryEvent historyEvent)
            {
                events.Add(historyEvent);
            }
        }

        return events;
    }

    private static EventType? TypeOf(JToken? token) => token?.Type switch
    {
        JTokenType.Integer => (EventType)token.Value<int>(),
        JTokenType.String when Enum.TryParse<EventType>(token.Value<string>(), out var parsed) => parsed,
        _ => null,
    };
}
