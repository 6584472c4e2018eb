using System.Globalization;
using DurableTask.Core;
using LocalRuntime.Durable.Client;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace LocalRuntime.Durable.Management;

/// <summary>
/// Durable's JSON shapes for instance status (<c>name, version?, instanceId, parentInstanceId?, runtimeStatus, input,
/// customStatus, output, createdTime, lastUpdatedTime, historyEvents?</c>) and its condensed history.
/// </summary>
internal static class StatusPayload
{
    public static JObject From(OrchestrationState state, bool showInput, JArray? history = null)
    {
        var payload = new JObject { ["name"] = state.Name };
        if (!string.IsNullOrEmpty(state.Version))
        {
            payload["version"] = state.Version;
        }

        payload["instanceId"] = state.OrchestrationInstance.InstanceId;
        if (state.ParentInstance?.OrchestrationInstance?.InstanceId is { } parent)
        {
            payload["parentInstanceId"] = parent;
        }

        payload["runtimeStatus"] = state.OrchestrationStatus.ToString();
        payload["input"] = showInput ? Parse(state.Input) : JValue.CreateNull();
        payload["customStatus"] = Parse(state.Status);
        payload["output"] = Parse(state.Output);
        payload["createdTime"] = Time(state.CreatedTime);
        payload["lastUpdatedTime"] = Time(state.LastUpdatedTime);
        if (history is not null)
        {
            payload["historyEvents"] = history;
        }

        return payload;
    }

    /// <summary>JSON text as a token; text that is not JSON as a string; null as null (Durable's ParseToJToken).</summary>
    public static JToken Parse(string? value)
    {
        if (value is null)
        {
            return JValue.CreateNull();
        }

        value = value.Trim();
        if (value.Length == 0)
        {
            return new JValue(string.Empty);
        }

        try
        {
            using var reader = new JsonTextReader(new StringReader(value)) { DateParseHandling = DateParseHandling.None };
            var token = JToken.ReadFrom(reader);
            return reader.Read() ? new JValue(value) : token;
        }
        catch (JsonReaderException)
        {
            return new JValue(value);
        }
    }

    /// <summary>Durable's time format: seconds, UTC, <c>Z</c>.</summary>
    public static string Time(DateTime time) =>
        (time.Kind == DateTimeKind.Local ? time.ToUniversalTime() : time).ToString("s", CultureInfo.InvariantCulture) + "Z";

    /// <summary>
    /// The backend's history JSON condensed as Durable shows it: event types by name, each completion merged with
    /// its scheduling event (FunctionName, ScheduledTime, Input) and the scheduling event dropped, orchestrator
    /// start/complete markers dropped, results only with <paramref name="showHistoryOutput"/>, inputs only with
    /// <paramref name="showInput"/>.
    /// </summary>
    public static JArray CondenseHistory(string? historyJson, bool showHistoryOutput, bool showInput)
    {
        if (string.IsNullOrWhiteSpace(historyJson))
        {
            return [];
        }

        using var reader = new JsonTextReader(new StringReader(historyJson)) { DateParseHandling = DateParseHandling.None };
        var events = JArray.Load(reader);

        // Providers that write DTFx's typed JSON (ours) add "$type"; Durable's history shows none.
        foreach (var typeName in events.Descendants().OfType<JProperty>().Where(p => p.Name == "$type").ToList())
        {
            typeName.Remove();
        }

        var scheduled = new Dictionary<string, (int Index, JToken? Name, JToken? Timestamp, JToken? Input, string? InstanceId)>(StringComparer.Ordinal);
        var remove = new bool[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            if (events[i] is not JObject item || TypeOf(item["EventType"]) is not { } type)
            {
                continue;
            }

            item["EventType"] = type.ToString();
            switch (type)
            {
                case DurableTask.Core.History.EventType.TaskScheduled:
                case DurableTask.Core.History.EventType.SubOrchestrationInstanceCreated:
                    scheduled[$"{type}_{item["EventId"]}"] = (i, item["Name"], item["Timestamp"], item["Input"], item.Value<string>("InstanceId"));
                    item.Remove("Version");
                    break;
                case DurableTask.Core.History.EventType.TaskCompleted:
                case DurableTask.Core.History.EventType.TaskFailed:
                    Merge(item, DurableTask.Core.History.EventType.TaskScheduled, type == DurableTask.Core.History.EventType.TaskCompleted);
                    break;
                case DurableTask.Core.History.EventType.SubOrchestrationInstanceCompleted:
                case DurableTask.Core.History.EventType.SubOrchestrationInstanceFailed:
                    Merge(item, DurableTask.Core.History.EventType.SubOrchestrationInstanceCreated, type == DurableTask.Core.History.EventType.SubOrchestrationInstanceCompleted);
                    break;
                case DurableTask.Core.History.EventType.ExecutionStarted:
                    item["FunctionName"] = item["Name"];
                    item.Remove("Name");
                    item.Remove("OrchestrationInstance");
                    item.Remove("ParentInstance");
                    item.Remove("Version");
                    item.Remove("Tags");
                    break;
                case DurableTask.Core.History.EventType.ExecutionCompleted:
                    if (TypeOfStatus(item["OrchestrationStatus"]) is { } status)
                    {
                        item["OrchestrationStatus"] = status.ToString();
                    }

                    Result(item, showHistoryOutput);
                    break;
                case DurableTask.Core.History.EventType.TimerFired:
                    item.Remove("TimerId");
                    break;
                case DurableTask.Core.History.EventType.OrchestratorStarted:
                case DurableTask.Core.History.EventType.OrchestratorCompleted:
                    remove[i] = true;
                    break;
            }

            if (!showInput)
            {
                item.Remove("Input");
            }

            item.Remove("EventId");
            item.Remove("IsPlayed");
        }

        return [.. events.Where((_, i) => !remove[i])];

        void Merge(JObject item, DurableTask.Core.History.EventType scheduledType, bool hasResult)
        {
            if (scheduled.TryGetValue($"{scheduledType}_{item["TaskScheduledId"]}", out var origin))
            {
                item["ScheduledTime"] = origin.Timestamp?.DeepClone();
                item["FunctionName"] = origin.Name?.DeepClone();
                if (!string.IsNullOrEmpty(origin.InstanceId))
                {
                    item["InstanceId"] = origin.InstanceId;
                }

                if (showInput)
                {
                    item["Input"] = origin.Input?.DeepClone();
                }

                remove[origin.Index] = true;
            }

            item.Remove("TaskScheduledId");
            if (hasResult)
            {
                Result(item, showHistoryOutput);
            }
        }
    }

    private static void Result(JObject item, bool show)
    {
        if (show)
        {
            item["Result"] = Parse(item.Value<string>("Result"));
        }
        else
        {
            item.Remove("Result");
        }
    }

    private static DurableTask.Core.History.EventType? TypeOf(JToken? token) => token?.Type switch
    {
        JTokenType.Integer => (DurableTask.Core.History.EventType)token.Value<int>(),
        JTokenType.String when Enum.TryParse<DurableTask.Core.History.EventType>(token.Value<string>(), out var parsed) => parsed,
        _ => null,
    };

    private static OrchestrationStatus? TypeOfStatus(JToken? token) => token?.Type switch
    {
        JTokenType.Integer => (OrchestrationStatus)token.Value<int>(),
        JTokenType.String when Enum.TryParse<OrchestrationStatus>(token.Value<string>(), out var parsed) => parsed,
        _ => null,
    };

    /// <summary>The status payload with history when asked (none while Pending, as Durable shows none then).</summary>
    public static async Task<JObject> WithHistoryAsync(DurableClientService client, OrchestrationState state, bool showHistory, bool showHistoryOutput, bool showInput)
    {
        JArray? history = null;
        if (showHistory && state.OrchestrationStatus != OrchestrationStatus.Pending)
        {
            history = CondenseHistory(await client.GetHistoryJsonAsync(state), showHistoryOutput, showInput);
        }

        return From(state, showInput, history);
    }
}
