using System.Globalization;
using System.Net;
using DurableTask.Core;
using DurableTask.Core.Entities;
using DurableTask.Core.Exceptions;
using DurableTask.Core.Query;
using LocalRuntime.Durable.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace LocalRuntime.Durable.Management;

/// <summary>
/// The Durable Functions HTTP management API under <c>/runtime/webhooks/durabletask/</c>, with Durable's routes, query
/// parameters, JSON shapes and status codes (Microsoft's <c>HttpApiHandler</c> is the reference); errors are problem
/// JSON, as everywhere in this host.
/// </summary>
public static class ManagementApi
{
    /// <summary>Where Durable serves it.</summary>
    public const string BasePath = "/runtime/webhooks/durabletask";

    private const string ContinuationHeader = "x-ms-continuation-token";

    /// <summary>
    /// Maps the API. <paramref name="isAuthorized"/> guards every route (Durable protects them with the system key):
    /// false answers 401. <paramref name="requiredQueryStringParameters"/> is the query of every management URL it
    /// hands out, as the <c>durableClient</c> binding's field of that name is for the worker's links
    /// (<c>taskHub=H&amp;connection=C&amp;code=KEY</c>); without <c>taskHub=</c> in it, Durable's
    /// <c>taskHub</c>/<c>connection</c> pair from the options comes first.
    /// </summary>
    public static RouteGroupBuilder MapManagementApi(
        this IEndpointRouteBuilder endpoints,
        DurableClientService client,
        Func<HttpContext, bool> isAuthorized,
        string? requiredQueryStringParameters = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(isAuthorized);
        var api = new Handlers(client, requiredQueryStringParameters);
        var group = endpoints.MapGroup(BasePath);
        group.AddEndpointFilter(async (context, next) =>
        {
            if (!isAuthorized(context.HttpContext))
            {
                return Problem(401, "A valid key is required (x-functions-key header or code query parameter).");
            }

            return api.WrongTaskHub(context.HttpContext) is { } refused ? refused : await next(context);
        });

        group.MapGet("/instances", (Delegate)((HttpContext http) => api.ListAsync(http)));
        group.MapDelete("/instances", (Delegate)((HttpContext http) => api.PurgeByFilterAsync(http)));
        group.MapGet("/instances/{instanceId}", (HttpContext http, string instanceId) => api.GetStatusAsync(http, instanceId));
        group.MapDelete("/instances/{instanceId}", (HttpContext http, string instanceId) => api.PurgeAsync(instanceId));
        group.MapPost("/instances/{instanceId}/raiseEvent/{eventName}", (HttpContext http, string instanceId, string eventName) => api.RaiseEventAsync(http, instanceId, eventName));
        group.MapPost("/instances/{instanceId}/{operation}", (HttpContext http, string instanceId, string operation) => api.OperationAsync(http, instanceId, operation));
        group.MapPost("/orchestrators/{functionName}/{instanceId?}", (HttpContext http, string functionName, string? instanceId) => api.StartAsync(http, functionName, instanceId));
        group.MapGet("/entities/{entityName?}/{entityKey?}", (HttpContext http, string? entityName, string? entityKey) => api.GetEntitiesAsync(http, entityName, entityKey));
        group.MapPost("/entities/{entityName}/{entityKey?}", (HttpContext http, string entityName, string? entityKey) => api.SignalEntityAsync(http, entityName, entityKey));
        group.MapDelete("/entities/{entityName}/{entityKey?}", (HttpContext http, string entityName, string? entityKey) => api.SignalEntityAsync(http, entityName, entityKey));
        return group;
    }

    internal static IResult Problem(int status, string detail) =>
        Results.Problem(statusCode: status, title: ReasonPhrase(status), detail: detail);

    private static string ReasonPhrase(int status) => Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status);

    private static IResult Json(JToken body, int status = 200) => Results.Content(body.ToString(Formatting.None), "application/json", statusCode: status);

    private static bool IsFinished(OrchestrationStatus status) =>
        status is OrchestrationStatus.Completed or OrchestrationStatus.Terminated or OrchestrationStatus.Canceled or OrchestrationStatus.Failed;

    private sealed class Handlers(DurableClientService client, string? requiredQuery)
    {
        public IResult? WrongTaskHub(HttpContext http)
        {
            var hub = http.Request.Query["taskHub"].FirstOrDefault();
            return string.IsNullOrWhiteSpace(hub) || string.Equals(hub, client.Options.TaskHubName, StringComparison.OrdinalIgnoreCase)
                ? null
                : Problem(400, $"Task hub '{hub}' is not served here: this host serves the task hub '{client.Options.TaskHubName}' only.");
        }

        public async Task<IResult> GetStatusAsync(HttpContext http, string instanceId, bool? returnInternalServerErrorOnFailure = null)
        {
            var query = http.Request.Query;
            var showHistory = Bool(query, "showHistory") ?? false;
            var showHistoryOutput = Bool(query, "showHistoryOutput") ?? false;
            var showInput = Bool(query, "showInput") ?? true;
            var failAs500 = returnInternalServerErrorOnFailure ?? Bool(query, "returnInternalServerErrorOnFailure") ?? false;
            var state = showInput ? await client.GetStateAsync(instanceId) : await client.GetStateWithoutInputAsync(instanceId, withOutput: true);
            if (state is null)
            {
                return NotFound(instanceId);
            }

            var body = await StatusPayload.WithHistoryAsync(client, state, showHistory, showHistoryOutput, showInput);
            var status = state.OrchestrationStatus switch
            {
                OrchestrationStatus.Running or OrchestrationStatus.ContinuedAsNew or OrchestrationStatus.Pending or OrchestrationStatus.Suspended => 202,
                OrchestrationStatus.Failed => failAs500 ? 500 : 200,
                _ => 200,
            };
            if (status == 202)
            {
                http.Response.Headers.Location = RequestUrl(http.Request);
                http.Response.Headers.RetryAfter = "5";
            }

            return Json(body, status);
        }

        public async Task<IResult> ListAsync(HttpContext http)
        {
            var query = http.Request.Query;
            var showInput = Bool(query, "showInput") ?? true;
            var result = await client.QueryAsync(
                new OrchestrationQuery
                {
                    InstanceIdPrefix = query["instanceIdPrefix"].FirstOrDefault(),
                    CreatedTimeFrom = Time(query, "createdTimeFrom"),
                    CreatedTimeTo = Time(query, "createdTimeTo"),
                    RuntimeStatus = Statuses(query) is { Count: > 0 } statuses ? statuses : null,
                    PageSize = Int(query, "top") is > 0 and var top ? top : 100,
                    ContinuationToken = http.Request.Headers[ContinuationHeader].FirstOrDefault() is { Length: > 0 } token ? token : null,
                    FetchInputsAndOutputs = true,
                    ExcludeEntities = true,
                },
                http.RequestAborted);
            http.Response.Headers[ContinuationHeader] = result.ContinuationToken ?? string.Empty;
            return Json(new JArray(result.OrchestrationState.Select(s => StatusPayload.From(s, showInput))));
        }

        public async Task<IResult> PurgeAsync(string instanceId)
        {
            if (!instanceId.StartsWith('@'))
            {
                var state = await client.GetStateAsync(instanceId);
                if (state is null)
                {
                    return NotFound(instanceId);
                }

                if (!IsFinished(state.OrchestrationStatus))
                {
                    return Problem(412, $"Only orchestrations in a terminal state can be purged, but the orchestration with instance ID {instanceId} has status {state.OrchestrationStatus}");
                }
            }

            var result = await client.PurgeAsync(instanceId, recursive: false, checkState: false);
            return Json(new JObject { ["instancesDeleted"] = result.DeletedInstanceCount });
        }

        public async Task<IResult> PurgeByFilterAsync(HttpContext http)
        {
            var query = http.Request.Query;
            if (Time(query, "createdTimeFrom") is not { } from)
            {
                return Problem(400, "Please provide value for 'createdTimeFrom' parameter.");
            }

            var to = Time(query, "createdTimeTo") ?? client.Time.GetUtcNow().UtcDateTime;
            var result = await client.PurgeAsync(new PurgeInstanceFilter(from, to, Statuses(query) is { Count: > 0 } s ? s : null), recursive: false, http.RequestAborted);
            return result.DeletedInstanceCount == 0
                ? Problem(404, "No instances matched the purge filter.")
                : Json(new JObject { ["instancesDeleted"] = result.DeletedInstanceCount });
        }

        public async Task<IResult> RaiseEventAsync(HttpContext http, string instanceId, string eventName)
        {
            var state = await client.GetStateAsync(instanceId);
            if (state is null)
            {
                return NotFound(instanceId);
            }

            if (state.OrchestrationStatus is OrchestrationStatus.Completed or OrchestrationStatus.Failed or OrchestrationStatus.Canceled or OrchestrationStatus.Terminated)
            {
                return Problem(410, $"Instance '{instanceId}' is {state.OrchestrationStatus} and takes no more events.");
            }

            if (!IsJson(http.Request))
            {
                return Problem(400, "Only application/json request content is supported");
            }

            var text = await ReadBodyAsync(http);
            if (!TryParseJson(text, out var error))
            {
                return Problem(400, "Invalid JSON content: " + error);
            }

            await client.RaiseEventAsync(instanceId, eventName, text);
            return Results.StatusCode(202);
        }

        public async Task<IResult> OperationAsync(HttpContext http, string instanceId, string operation)
        {
            if (operation.Equals("restart", StringComparison.OrdinalIgnoreCase))
            {
                return await RestartAsync(http, instanceId, withOptions: false);
            }

            if (operation.Equals("restartWithOptions", StringComparison.OrdinalIgnoreCase))
            {
                return await RestartAsync(http, instanceId, withOptions: true);
            }

            if (operation.Equals("rewind", StringComparison.OrdinalIgnoreCase))
            {
                return await RewindAsync(http, instanceId);
            }

            Func<string, string?, Task>? control =
                operation.Equals("terminate", StringComparison.OrdinalIgnoreCase) ? (id, reason) => client.TerminateAsync(id, reason, recursive: false)
                : operation.Equals("suspend", StringComparison.OrdinalIgnoreCase) ? client.SuspendAsync
                : operation.Equals("resume", StringComparison.OrdinalIgnoreCase) ? client.ResumeAsync
                : null;
            if (control is null)
            {
                return Problem(404, $"'{operation}' is not an instance operation (terminate, suspend, resume, rewind, restart, restartWithOptions, raiseEvent).");
            }

            var state = await client.GetStateAsync(instanceId);
            if (state is null)
            {
                return NotFound(instanceId);
            }

            if (IsFinished(state.OrchestrationStatus))
            {
                return Problem(410, $"Instance '{instanceId}' is already {state.OrchestrationStatus}.");
            }

            try
            {
                await control(instanceId, http.Request.Query["reason"].FirstOrDefault());
            }
            catch (InvalidOperationException e)
            {
                // Durable answers a state that forbids the operation (resume while running, suspend twice) with a 500.
                return Problem(500, e.Message);
            }

            return Results.StatusCode(202);
        }

        public async Task<IResult> StartAsync(HttpContext http, string functionName, string? instanceId)
        {
            string? input = null;
            if (http.Request.ContentLength != 0)
            {
                var text = await ReadBodyAsync(http);
                if (text.Length > 0)
                {
                    if (!TryParseJson(text, out var error))
                    {
                        return Problem(400, "Invalid JSON content: " + error);
                    }

                    input = text;
                }
            }

            string id;
            try
            {
                id = await client.StartAsync(
                    new StartInstance(functionName, string.IsNullOrEmpty(instanceId) ? null : instanceId, input)
                    {
                        Version = http.Request.Query["version"].FirstOrDefault(),
                        TraceParent = http.Request.Headers["traceparent"].FirstOrDefault(),
                        TraceState = http.Request.Headers["tracestate"].FirstOrDefault(),
                    },
                    client.DedupeStatuses(replaceable: null));
            }
            catch (OrchestrationAlreadyExistsException e)
            {
                return Problem(409, e.Message);
            }
            catch (ArgumentException e)
            {
                return Problem(400, e.Message);
            }

            return await CheckStatusOrWaitAsync(http, id);
        }

        public async Task<IResult> GetEntitiesAsync(HttpContext http, string? entityName, string? entityKey)
        {
            try
            {
                if (!string.IsNullOrEmpty(entityName) && !string.IsNullOrEmpty(entityKey))
                {
                    var id = new EntityId(entityName.ToLowerInvariant(), entityKey == "$" ? string.Empty : entityKey);
                    var entity = await client.GetEntityAsync(id, includeState: true, http.RequestAborted);
                    return entity is { } found
                        ? Json(StatusPayload.Parse(found.SerializedState))
                        : Problem(404, $"No entity '{id}' was found.");
                }

                var query = http.Request.Query;
                var result = await client.QueryEntitiesAsync(
                    new EntityBackendQueries.EntityQuery
                    {
                        InstanceIdStartsWith = string.IsNullOrEmpty(entityName) ? "@" : $"@{entityName.ToLowerInvariant()}@",
                        LastModifiedFrom = Time(query, "lastOperationTimeFrom"),
                        LastModifiedTo = Time(query, "lastOperationTimeTo"),
                        PageSize = Int(query, "top") is > 0 and var top ? top : 100,
                        IncludeState = Bool(query, "fetchState") ?? false,
                        ContinuationToken = http.Request.Headers[ContinuationHeader].FirstOrDefault() is { Length: > 0 } token ? token : null,
                    },
                    http.RequestAborted);
                http.Response.Headers[ContinuationHeader] = result.ContinuationToken ?? string.Empty;
                return Json(new JArray(result.Results.Select(e => new JObject
                {
                    ["entityId"] = new JObject { ["name"] = e.EntityId.Name, ["key"] = e.EntityId.Key },
                    ["lastOperationTime"] = e.LastModifiedTime.ToUniversalTime().ToString("o", CultureInfo.InvariantCulture),
                    ["state"] = e.SerializedState is null ? JValue.CreateNull() : StatusPayload.Parse(e.SerializedState),
                })));
            }
            catch (NotSupportedException e)
            {
                return Problem(501, e.Message);
            }
            catch (ArgumentException e)
            {
                return Problem(400, e.Message);
            }
        }

        public async Task<IResult> SignalEntityAsync(HttpContext http, string entityName, string? entityKey)
        {
            var operation = HttpMethods.IsDelete(http.Request.Method) ? "delete" : http.Request.Query["op"].FirstOrDefault() ?? string.Empty;
            string? input = null;
            if (http.Request.ContentLength != 0)
            {
                var text = await ReadBodyAsync(http);
                if (text.Length > 0)
                {
                    if (IsJson(http.Request))
                    {
                        if (!TryParseJson(text, out var error))
                        {
                            return Problem(400, "Could not parse JSON content: " + error);
                        }

                        input = text;
                    }
                    else
                    {
                        // Non-JSON content is the operation's input as a string.
                        input = JsonConvert.SerializeObject(text);
                    }
                }
            }

            try
            {
                var id = new EntityId(entityName.ToLowerInvariant(), entityKey ?? string.Empty);
                await client.SignalEntityAsync(id.ToString(), operation, input, Guid.NewGuid(), scheduledTime: null, trace: null);
            }
            catch (NotSupportedException e)
            {
                return Problem(501, e.Message);
            }
            catch (ArgumentException e)
            {
                return Problem(400, e.Message);
            }

            return Results.StatusCode(202);
        }

        private async Task<IResult> RestartAsync(HttpContext http, string instanceId, bool withOptions)
        {
            var query = http.Request.Query;
            string newId;
            try
            {
                if (withOptions)
                {
                    var requested = query["newInstanceId"].FirstOrDefault();
                    if (string.IsNullOrWhiteSpace(requested))
                    {
                        return Problem(400, "A new orchestration instance ID must be provided.");
                    }

                    newId = await client.RestartAsync(instanceId, requested, query["version"].FirstOrDefault());
                }
                else
                {
                    newId = await client.RestartAsync(instanceId, Bool(query, "restartWithNewInstanceId") ?? false);
                }
            }
            catch (InstanceNotFoundException)
            {
                return Problem(400, "InstanceId does not match a valid orchestration instance.");
            }
            catch (ArgumentException e)
            {
                return Problem(400, e.Message);
            }
            catch (OrchestrationAlreadyExistsException)
            {
                return Problem(409, "A non-terminal instance with this instance ID already exists.");
            }

            return await CheckStatusOrWaitAsync(http, newId);
        }

        private async Task<IResult> RewindAsync(HttpContext http, string instanceId)
        {
            var state = await client.GetStateAsync(instanceId);
            if (state is null)
            {
                return NotFound(instanceId);
            }

            if (state.OrchestrationStatus != OrchestrationStatus.Failed)
            {
                return Problem(412, $"This orchestration has status {state.OrchestrationStatus}, but only orchestrations in the \"Failed\" state can be rewound.");
            }

            try
            {
                await client.RewindAsync(instanceId, http.Request.Query["reason"].FirstOrDefault());
            }
            catch (NotSupportedException e)
            {
                return Problem(501, "Rewind is not supported by the underlying storage provider. " + e.Message);
            }

            return Results.StatusCode(202);
        }

        /// <summary>202 with the management links, or (with <c>timeout</c> and <c>pollingInterval</c>) waits first as Durable does.</summary>
        private async Task<IResult> CheckStatusOrWaitAsync(HttpContext http, string instanceId)
        {
            var query = http.Request.Query;
            if (Seconds(query, "timeout") is not { } timeout || Seconds(query, "pollingInterval") is not { } interval)
            {
                return CheckStatus(http, instanceId);
            }

            if (interval > timeout)
            {
                return Problem(400, $"Total timeout {timeout.TotalSeconds} should be bigger than retry timeout {interval.TotalSeconds}");
            }

            var started = client.Time.GetTimestamp();
            OrchestrationState? state;
            while (true)
            {
                state = await client.GetStateAsync(instanceId);
                if (state is not null && IsFinished(state.OrchestrationStatus))
                {
                    break;
                }

                var left = timeout - client.Time.GetElapsedTime(started);
                if (left <= TimeSpan.Zero)
                {
                    break;
                }

                await Task.Delay(left < interval ? left : interval, client.Time, http.RequestAborted);
            }

            return state?.OrchestrationStatus switch
            {
                OrchestrationStatus.Completed => Json(StatusPayload.Parse(state.Output)),
                OrchestrationStatus.Failed or OrchestrationStatus.Canceled or OrchestrationStatus.Terminated => await GetStatusAsync(http, instanceId, returnInternalServerErrorOnFailure: false),
                _ => CheckStatus(http, instanceId),
            };
        }

        private IResult CheckStatus(HttpContext http, string instanceId)
        {
            var links = Links(http.Request, instanceId);
            http.Response.Headers.Location = links.Value<string>("statusQueryGetUri");
            http.Response.Headers.RetryAfter = "10";
            return Json(links, 202);
        }

        /// <summary>Durable's <c>HttpManagementPayload</c> for an instance, on the authority the request came to.</summary>
        private JObject Links(HttpRequest request, string instanceId)
        {
            var instance = $"{request.Scheme}://{request.Host}{request.PathBase}{BasePath}/instances/{WebUtility.UrlEncode(instanceId)}";
            // The binding's requiredQueryStringParameters already name the hub and connection (the worker builds its
            // links from them alone); anything less gets Durable's taskHub/connection in front.
            var required = requiredQuery?.TrimStart('?') ?? string.Empty;
            var common = required.Split('&').Any(p => p.StartsWith("taskHub=", StringComparison.OrdinalIgnoreCase))
                ? required
                : $"taskHub={WebUtility.UrlEncode(client.Options.TaskHubName)}&connection={WebUtility.UrlEncode(client.Options.ConnectionName)}"
                    + (required.Length > 0 ? "&" + required : string.Empty);

            return new JObject
            {
                ["id"] = instanceId,
                ["statusQueryGetUri"] = $"{instance}?{common}",
                ["sendEventPostUri"] = $"{instance}/raiseEvent/{{eventName}}?{common}",
                ["terminatePostUri"] = $"{instance}/terminate?reason={{text}}&{common}",
                ["purgeHistoryDeleteUri"] = $"{instance}?{common}",
                ["restartPostUri"] = $"{instance}/restart?{common}",
                ["suspendPostUri"] = $"{instance}/suspend?reason={{text}}&{common}",
                ["resumePostUri"] = $"{instance}/resume?reason={{text}}&{common}",
            };
        }

        private static IResult NotFound(string instanceId) => Problem(404, $"No instance with ID '{instanceId}' was found.");

        private static string RequestUrl(HttpRequest request) =>
            $"{request.Scheme}://{request.Host}{request.PathBase}{request.Path}{request.QueryString}";

        private static bool IsJson(HttpRequest request) =>
            request.ContentType is { } type && string.Equals(type.Split(';')[0].Trim(), "application/json", StringComparison.OrdinalIgnoreCase);

        private static async Task<string> ReadBodyAsync(HttpContext http)
        {
            using var reader = new StreamReader(http.Request.Body);
            return await reader.ReadToEndAsync(http.RequestAborted);
        }

        private static bool TryParseJson(string text, out string? error)
        {
            try
            {
                using var reader = new JsonTextReader(new StringReader(text)) { DateParseHandling = DateParseHandling.None };
                JToken.ReadFrom(reader);
                if (reader.Read())
                {
                    error = "Additional content after the JSON value.";
                    return false;
                }

                error = null;
                return true;
            }
            catch (JsonReaderException e)
            {
                error = e.Message;
                return false;
            }
        }

        private static bool? Bool(IQueryCollection query, string name) =>
            bool.TryParse(query[name].FirstOrDefault(), out var value) ? value : null;

        private static int? Int(IQueryCollection query, string name) =>
            int.TryParse(query[name].FirstOrDefault(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

        private static TimeSpan? Seconds(IQueryCollection query, string name) =>
            double.TryParse(query[name].FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? TimeSpan.FromSeconds(value) : null;

        // Durable ignores a time it cannot parse (the filter is then not applied).
        private static DateTime? Time(IQueryCollection query, string name) =>
            DateTime.TryParse(query[name].FirstOrDefault(), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var value) ? value : null;

        // Durable splits on commas and silently drops names that are not statuses (case-sensitive, as Enum.TryParse is).
        private static List<OrchestrationStatus> Statuses(IQueryCollection query) =>
            query["runtimeStatus"]
                .SelectMany(v => (v ?? string.Empty).Split(','))
                .Select(s => Enum.TryParse<OrchestrationStatus>(s, ignoreCase: false, out var status) && Enum.IsDefined(status) ? status : (OrchestrationStatus?)null)
                .OfType<OrchestrationStatus>()
                .ToList();
    }
}
