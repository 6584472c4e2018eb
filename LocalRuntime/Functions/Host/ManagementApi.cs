using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using LocalRuntime.Durable.Engine;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace LocalRuntime.Functions.Host;

/// <summary>
/// The Durable Functions HTTP management API under <c>/runtime/webhooks/durabletask</c>, with Durable's
/// status codes and JSON shapes.
/// </summary>
internal static class ManagementApi
{
    private const string Base = "/runtime/webhooks/durabletask/instances";

    public static void Map(IEndpointRouteBuilder app, DurableEngine engine, FunctionKeyAuthorizer keys)
    {
        var group = app.MapGroup(Base);
        group.AddEndpointFilter(async (context, next) =>
            keys.IsAuthorized(context.HttpContext, AuthorizationLevel.Function)
                ? await next(context)
                : Results.Problem(statusCode: 401, title: "Unauthorized", detail: "A valid function key is required (x-functions-key header or code query)."));

        group.MapGet("/", (Delegate)((HttpContext http) => ListAsync(http, engine)));
        group.MapGet("/{instanceId}", (HttpContext http, string instanceId) => GetStatusAsync(http, engine, instanceId));
        group.MapDelete("/{instanceId}", (string instanceId) => PurgeAsync(engine, instanceId));
        group.MapPost("/{instanceId}/raiseEvent/{eventName}", (HttpContext http, string instanceId, string eventName) => RaiseEventAsync(http, engine, instanceId, eventName));
        group.MapPost("/{instanceId}/terminate", (HttpContext http, string instanceId) =>
            ControlAsync(engine, instanceId, (c, id) => c.TerminateInstanceAsync(id, (object?)http.Request.Query["reason"].FirstOrDefault())));
        group.MapPost("/{instanceId}/suspend", (HttpContext http, string instanceId) =>
            ControlAsync(engine, instanceId, (c, id) => c.SuspendInstanceAsync(id, http.Request.Query["reason"].FirstOrDefault())));
        group.MapPost("/{instanceId}/resume", (HttpContext http, string instanceId) =>
            ControlAsync(engine, instanceId, (c, id) => c.ResumeInstanceAsync(id, http.Request.Query["reason"].FirstOrDefault()), allowWhenFinished: false));
        group.MapPost("/{instanceId}/restart", (HttpContext http, string instanceId) => RestartAsync(http, engine, instanceId));
        group.MapPost("/{instanceId}/rewind", (HttpContext http, string instanceId) => RewindAsync(http, engine, instanceId));
    }

    private static async Task<IResult> GetStatusAsync(HttpContext http, DurableEngine engine, string instanceId)
    {
        var query = http.Request.Query;
        var showInput = !string.Equals(query["showInput"], "false", StringComparison.OrdinalIgnoreCase);
        var state = await engine.Store.GetInstanceAsync(instanceId, showInput, http.RequestAborted);
        if (state is null)
        {
            return Results.Problem(statusCode: 404, title: "Not Found", detail: $"No instance with ID '{instanceId}' was found.");
        }

        var body = StatusJson(state, showInput);
        if (string.Equals(query["showHistory"], "true", StringComparison.OrdinalIgnoreCase))
        {
            var withOutput = string.Equals(query["showHistoryOutput"], "true", StringComparison.OrdinalIgnoreCase);
            var history = await engine.Store.GetHistoryAsync(instanceId, http.RequestAborted);
            body["historyEvents"] = new JsonArray([.. history.Select(e => (JsonNode?)HistoryJson(e, withOutput))]);
        }

        var status = state.Status switch
        {
            OrchestrationRuntimeStatus.Failed when string.Equals(query["returnInternalServerErrorOnFailure"], "true", StringComparison.OrdinalIgnoreCase) => 500,
            OrchestrationRuntimeStatus.Completed or OrchestrationRuntimeStatus.Failed or OrchestrationRuntimeStatus.Terminated or OrchestrationRuntimeStatus.Canceled => 200,
            _ => 202,
        };
        if (status == 202)
        {
            http.Response.Headers.Location = http.Request.GetEncodedUrlWithoutQuery() + http.Request.QueryString;
            http.Response.Headers.RetryAfter = "5";
        }

        return Results.Content(body.ToJsonString(), "application/json", statusCode: status);
    }

    private static async Task<IResult> ListAsync(HttpContext http, DurableEngine engine)
    {
        var query = http.Request.Query;
        var statuses = query["runtimeStatus"].SelectMany(v => (v ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        var parsedStatuses = new List<OrchestrationRuntimeStatus>();
        foreach (var s in statuses)
        {
            if (!Enum.TryParse<OrchestrationRuntimeStatus>(s, ignoreCase: true, out var parsed))
            {
                return Results.Problem(statusCode: 400, title: "Bad Request", detail: $"'{s}' is not a runtime status.");
            }

            parsedStatuses.Add(parsed);
        }

        if (!TryDate(query["createdTimeFrom"], out var from) || !TryDate(query["createdTimeTo"], out var to))
        {
            return Results.Problem(statusCode: 400, title: "Bad Request", detail: "createdTimeFrom and createdTimeTo must be ISO 8601 times.");
        }

        var top = int.TryParse(query["top"], CultureInfo.InvariantCulture, out var t) && t > 0 ? Math.Min(t, 1000) : 100;
        var page = await engine.Store.QueryInstancesAsync(
            new Durable.Stores.InstanceFilter(from, to, parsedStatuses, query["instanceIdPrefix"].FirstOrDefault(), top,
                http.Request.Headers["x-ms-continuation-token"].FirstOrDefault() is { Length: > 0 } token ? token : null),
            http.RequestAborted);
        var showInput = string.Equals(query["showInput"], "true", StringComparison.OrdinalIgnoreCase);
        if (page.ContinuationToken is not null)
        {
            http.Response.Headers["x-ms-continuation-token"] = page.ContinuationToken;
        }

        var array = new JsonArray([.. page.Instances.Select(s => (JsonNode?)StatusJson(s, showInput))]);
        return Results.Content(array.ToJsonString(), "application/json");
    }

    private static async Task<IResult> RaiseEventAsync(HttpContext http, DurableEngine engine, string instanceId, string eventName)
    {
        var state = await engine.Store.GetInstanceAsync(instanceId, includeInput: false, http.RequestAborted);
        if (state is null)
        {
            return Results.Problem(statusCode: 404, title: "Not Found", detail: $"No instance with ID '{instanceId}' was found.");
        }

        if (state.IsTerminal)
        {
            return Results.Problem(statusCode: 410, title: "Gone", detail: $"Instance '{instanceId}' is {state.Status} and takes no more events.");
        }

        JsonElement? payload = null;
        using var reader = new StreamReader(http.Request.Body);
        var text = await reader.ReadToEndAsync(http.RequestAborted);
        if (!string.IsNullOrWhiteSpace(text))
        {
            try
            {
                using var document = JsonDocument.Parse(text);
                payload = document.RootElement.Clone();
            }
            catch (JsonException ex)
            {
                return Results.Problem(statusCode: 400, title: "Bad Request", detail: $"The event payload is not valid JSON: {ex.Message}");
            }
        }

        await engine.Client.RaiseEventAsync(instanceId, eventName, payload, http.RequestAborted);
        return Results.Accepted();
    }

    private static async Task<IResult> ControlAsync(DurableEngine engine, string instanceId, Func<DurableTaskClient, string, Task> action, bool allowWhenFinished = false)
    {
        var state = await engine.Store.GetInstanceAsync(instanceId, includeInput: false);
        if (state is null)
        {
            return Results.Problem(statusCode: 404, title: "Not Found", detail: $"No instance with ID '{instanceId}' was found.");
        }

        if (state.IsTerminal && !allowWhenFinished)
        {
            return Results.Problem(statusCode: 410, title: "Gone", detail: $"Instance '{instanceId}' is already {state.Status}.");
        }

        await action(engine.Client, instanceId);
        return Results.Accepted();
    }

    private static async Task<IResult> PurgeAsync(DurableEngine engine, string instanceId)
    {
        var state = await engine.Store.GetInstanceAsync(instanceId, includeInput: false);
        if (state is null || !state.IsTerminal)
        {
            return Results.Problem(statusCode: 404, title: "Not Found", detail: $"No finished instance with ID '{instanceId}' was found.");
        }

        var result = await engine.Client.PurgeInstanceAsync(instanceId);
        return Results.Json(new { instancesDeleted = result.PurgedInstanceCount });
    }

    /// <summary>Rewind: 202 for a failed instance; 404 unknown; 410 when it finished otherwise; 409 while it runs.</summary>
    private static async Task<IResult> RewindAsync(HttpContext http, DurableEngine engine, string instanceId)
    {
        var state = await engine.Store.GetInstanceAsync(instanceId, includeInput: false, http.RequestAborted);
        if (state is null)
        {
            return Results.Problem(statusCode: 404, title: "Not Found", detail: $"No instance with ID '{instanceId}' was found.");
        }

        if (state.Status != OrchestrationRuntimeStatus.Failed)
        {
            return state.IsTerminal
                ? Results.Problem(statusCode: 410, title: "Gone", detail: $"Instance '{instanceId}' is {state.Status}; only failed instances can be rewound.")
                : Results.Problem(statusCode: 409, title: "Conflict", detail: $"Instance '{instanceId}' is {state.Status}; only failed instances can be rewound.");
        }

        await engine.Client.RewindInstanceAsync(instanceId, http.Request.Query["reason"].FirstOrDefault(), http.RequestAborted);
        return Results.Accepted();
    }

    private static async Task<IResult> RestartAsync(HttpContext http, DurableEngine engine, string instanceId)
    {
        var state = await engine.Store.GetInstanceAsync(instanceId, includeInput: false, http.RequestAborted);
        if (state is null)
        {
            return Results.Problem(statusCode: 404, title: "Not Found", detail: $"No instance with ID '{instanceId}' was found.");
        }

        var withNewId = string.Equals(http.Request.Query["restartWithNewInstanceId"], "true", StringComparison.OrdinalIgnoreCase);
        if (!state.IsTerminal && !withNewId)
        {
            return Results.Problem(statusCode: 409, title: "Conflict", detail: $"Instance '{instanceId}' is {state.Status}; it restarts under the same id only once finished.");
        }

        var newId = await engine.Client.RestartAsync(instanceId, withNewId, http.RequestAborted);
        var payload = engine.Client.CreateHttpManagementPayload(newId);
        http.Response.Headers.Location = payload.StatusQueryGetUri;
        http.Response.Headers.RetryAfter = "5";
        return Results.Json(
            new JsonObject
            {
                ["id"] = payload.Id,
                ["statusQueryGetUri"] = payload.StatusQueryGetUri,
                ["sendEventPostUri"] = payload.SendEventPostUri,
                ["terminatePostUri"] = payload.TerminatePostUri,
                ["purgeHistoryDeleteUri"] = payload.PurgeHistoryDeleteUri,
                ["restartPostUri"] = payload.RestartPostUri,
                ["suspendPostUri"] = payload.SuspendPostUri,
                ["resumePostUri"] = payload.ResumePostUri,
            },
            statusCode: 202);
    }

    internal static JsonObject StatusJson(InstanceState state, bool showInput)
    {
        var output = state.Failure is { } failure && state.Status == OrchestrationRuntimeStatus.Failed
            ? JsonSerializer.SerializeToNode(new { errorType = failure.ErrorType, errorMessage = failure.ErrorMessage, stackTrace = failure.StackTrace })
            : Raw(state.Output);
        return new JsonObject
        {
            ["name"] = state.Name,
            ["instanceId"] = state.InstanceId,
            ["runtimeStatus"] = state.Status.ToString(),
            ["input"] = showInput ? Raw(state.Input) : null,
            ["customStatus"] = Raw(state.CustomStatus),
            ["output"] = output,
            ["createdTime"] = Time(state.CreatedAt),
            ["lastUpdatedTime"] = Time(state.LastUpdatedAt),
        };
    }

    private static JsonObject HistoryJson(HistoryEvent e, bool withOutput)
    {
        var node = new JsonObject
        {
            ["EventType"] = e.Type.ToString(),
            ["Timestamp"] = Time(e.Timestamp),
        };
        if (e.Name is not null)
        {
            node[e.Type == HistoryEventType.EventRaised || e.Type == HistoryEventType.EventSent ? "Name" : "FunctionName"] = e.Name;
        }

        if (e.TaskId >= 0)
        {
            node["ScheduledId"] = e.TaskId;
        }

        if (e.FireAt is { } fireAt)
        {
            node["FireAt"] = Time(fireAt);
        }

        if (e.InstanceId is not null)
        {
            node["InstanceId"] = e.InstanceId;
        }

        if (e.Status is { } status)
        {
            node["OrchestrationStatus"] = status.ToString();
        }

        if (e.Failure is { } failure)
        {
            node["Reason"] = failure.ErrorMessage;
            node["Details"] = failure.ErrorType;
        }

        if (withOutput && e.Data is not null)
        {
            node[e.Type is HistoryEventType.ExecutionStarted or HistoryEventType.TaskScheduled or HistoryEventType.SubOrchestrationCreated ? "Input" : "Result"] = Raw(e.Data);
        }

        return node;
    }

    private static JsonNode? Raw(string? json)
    {
        if (json is null)
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(json);
        }
        catch (JsonException)
        {
            return JsonValue.Create(json);
        }
    }

    private static string Time(DateTime utc) =>
        DateTime.SpecifyKind(utc, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    private static bool TryDate(Microsoft.Extensions.Primitives.StringValues value, out DateTime? result)
    {
        result = null;
        if (string.IsNullOrEmpty(value))
        {
            return true;
        }

        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
        {
            result = parsed.UtcDateTime;
            return true;
        }

        return false;
    }

    private static string GetEncodedUrlWithoutQuery(this HttpRequest request) =>
        $"{request.Scheme}://{request.Host}{request.PathBase}{request.Path}";
}
