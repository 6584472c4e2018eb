using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using ServerlessTasks.Domain.Model;
using ServerlessTasks.Functions.Contracts;
using ServerlessTasks.Functions.Http;
using ServerlessTasks.Functions.Security;
using ServerlessTasks.TaskIndex;

namespace ServerlessTasks.Functions.Dashboard;

/// <summary>
/// The live dashboard: <c>GET /api/dashboard</c> (the page), its static files, and the few reads the public API has no shape
/// for (a filtered, paged list of workflows and tasks, a workflow's DAG, a summary of task counts, the session check).
/// The page and its files are anonymous: they are this repository's code and hold no data. Everything the page reads and
/// does goes through the keyed API with the key the page was given, so the dashboard can do nothing a client cannot.
/// </summary>
public sealed class DashboardApi(ITaskIndex index, ITaskEventJournal journal, ApiKeyAuthenticator keys)
{

    // The page loads only its own files and talks only to this origin; it is never framed.
    private const string PagePolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static readonly string[] WorkflowStatuses = ["pending", "running", "suspended", "completed", "failed"];

    private static readonly Lazy<IReadOnlyList<DashboardRoute>> Routes = new(() =>
        [.. typeof(DashboardApi).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Static))
            .Where(m => m.GetCustomAttributes(typeof(FunctionAttribute), inherit: false).Length > 0)
            .SelectMany(m => m.GetParameters())
            .Select(p => p.GetCustomAttributes(typeof(HttpTriggerAttribute), inherit: false).OfType<HttpTriggerAttribute>().FirstOrDefault())
            .OfType<HttpTriggerAttribute>()
            .Where(t => t.Route is not null)
            .Select(t => new DashboardRoute(t.Route!, [.. (t.Methods ?? []).Select(m => m.ToUpperInvariant())]))
            .OrderBy(r => r.Route, StringComparer.Ordinal)]);

    /// <summary>
    /// <c>GET /api/dashboard</c>: the dashboard page. Anonymous, like its assets: a browser's navigation cannot send the
    /// <c>x-api-key</c> header, so the page loads, asks for the key (kept in sessionStorage) and sends it on every read.
    /// </summary>
    [Function(nameof(Dashboard))]
    public static IActionResult Dashboard(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "dashboard")] HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.HttpContext.Response.Headers["Content-Security-Policy"] = PagePolicy;
        request.HttpContext.Response.Headers["X-Content-Type-Options"] = "nosniff";
        request.HttpContext.Response.Headers["Referrer-Policy"] = "no-referrer"; // the page URL may carry ?code=
        request.HttpContext.Response.Headers.CacheControl = "no-store";
        var page = DashboardAssets.Page;
        return new FileContentResult(page.Content, page.ContentType);
    }

    /// <summary>
    /// <c>GET /api/dashboard/assets/{name}</c>: the page's scripts and styles. Anonymous: they are the same static files for
    /// everyone (this repository's code, no data); every read of data goes to the keyed API.
    /// </summary>
    [Function(nameof(DashboardAsset))]
    public static IActionResult DashboardAsset(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "dashboard/assets/{name}")] HttpRequest request,
        string name)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!DashboardAssets.TryGet(name, out var asset))
        {
            return ApiResults.Problem(404, "Not Found", $"No dashboard asset '{name}'.");
        }

        request.HttpContext.Response.Headers["X-Content-Type-Options"] = "nosniff";
        request.HttpContext.Response.Headers.CacheControl = "no-cache"; // revalidated by ETag: a new build is seen at once
        request.HttpContext.Response.Headers.ETag = asset.ETag;
        if (string.Equals(request.Headers.IfNoneMatch.ToString(), asset.ETag, StringComparison.Ordinal))
        {
            return new StatusCodeResult(304);
        }

        return new FileContentResult(asset.Content, asset.ContentType);
    }

    /// <summary>
    /// <c>GET /api/dashboard/data/session</c>: whether the API wants an <c>x-api-key</c> and whether the one sent (if any) is
    /// valid, with the client it names. Anonymous and always 200, so the page learns it must ask for a key without a
    /// refused request (which the browser would log as an error); it reveals no more than a 401 from any keyed route would.
    /// </summary>
    [Function(nameof(DashboardSession))]
    public IActionResult DashboardSession(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "dashboard/data/session")] HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.HttpContext.Response.Headers.CacheControl = "no-store";
        if (!keys.Enabled)
        {
            return ApiResults.Json(new DashboardSessionView(false, true, null, null, ApiKeyOptions.Header));
        }

        var identity = keys.Authenticate(request.Headers[ApiKeyOptions.Header].ToString());
        return ApiResults.Json(new DashboardSessionView(true, identity is not null, identity?.Client, identity?.Tenant, ApiKeyOptions.Header));
    }

    /// <summary>
    /// <c>GET /api/dashboard/data/capabilities</c>: the HTTP routes this build serves (read off its own functions), so the page
    /// shows the views whose endpoints exist (workers, pools, health, orders, rerun) and says "not available" for the rest
    /// without probing them (a probe's 404 would be an error in the browser's console); and the journal's high-water mark,
    /// where the page starts the event stream (its live figures are since it opened: it does not replay the whole journal).
    /// </summary>
    [Function(nameof(DashboardCapabilities))]
    public async Task<IActionResult> DashboardCapabilities(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "dashboard/data/capabilities")] HttpRequest request,
        FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var mark = await journal.GetHighWaterMarkAsync(context.CancellationToken);
        return ApiResults.Json(new DashboardCapabilitiesView(Routes.Value, mark?.ToString()));
    }

    /// <summary>
    /// <c>GET /api/dashboard/data/summary</c>: tasks by status, from the task index's counts (one count per status, no scan).
    /// </summary>
    [Function(nameof(DashboardSummary))]
    public async Task<IActionResult> DashboardSummary(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "dashboard/data/summary")] HttpRequest request,
        FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var total = 0;
        foreach (var status in Enum.GetValues<WorkflowTaskStatus>())
        {
            var page = await index.ListAsync(status, 1, 0, context.CancellationToken);
            counts[StatusName(status)] = page.Total;
            total += page.Total;
        }

        return ApiResults.Json(new DashboardSummaryView(total, counts));
    }

    /// <summary>
    /// <c>GET /api/dashboard/data/workflows?status=&amp;created_from=&amp;created_to=&amp;prefix=&amp;page_size=&amp;continuation=</c>:
    /// one page of workflows, newest query semantics of Durable's instance query (paged in the store, never all loaded), with
    /// the continuation token of the next page (null on the last). Instances that are not workflows (single tasks, callback
    /// deliveries) are left out of the page, so a page may hold fewer than <c>page_size</c>.
    /// </summary>
    [Function(nameof(DashboardWorkflows))]
    public static async Task<IActionResult> DashboardWorkflows(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "dashboard/data/workflows")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(context);
        var query = request.Query;
        List<OrchestrationRuntimeStatus>? statuses = null;
        if (query["status"].FirstOrDefault() is { Length: > 0 } statusText)
        {
            statuses = RuntimeStatusesOf(statusText);
            if (statuses is null)
            {
                return ApiResults.Problem(400, "Bad Request", $"status must be one of {string.Join(", ", WorkflowStatuses)}.");
            }
        }

        if (!TryTime(query["created_from"], out var from) || !TryTime(query["created_to"], out var to))
        {
            return ApiResults.Problem(400, "Bad Request", "created_from and created_to must be ISO 8601 times (e.g. 2030-01-01T00:00:00Z).");
        }

        if (!TryInt(query["page_size"], 50, 1, 200, out var pageSize))
        {
            return ApiResults.Problem(400, "Bad Request", "page_size must be 1-200.");
        }

        var prefix = query["prefix"].FirstOrDefault() is { Length: > 0 } p ? p : null;
        var continuation = query["continuation"].FirstOrDefault() is { Length: > 0 } c ? c : null;
        var filter = new OrchestrationQuery
        {
            Statuses = statuses,
            CreatedFrom = from,
            CreatedTo = to,
            InstanceIdPrefix = prefix,
            PageSize = pageSize,
            ContinuationToken = continuation,
            FetchInputsAndOutputs = false,
        };
        await foreach (var page in client.GetAllInstancesAsync(filter).AsPages(continuation, pageSize).WithCancellation(context.CancellationToken))
        {
            var items = page.Values
                .Where(i => DeadLetters.WorkflowRerunOrchestrator.IsWorkflow(i.Name)) // a rerun workflow runs under the rerun orchestrator
                .Select(i => new DashboardWorkflowRow(i.InstanceId, RuntimeStatusName(i.RuntimeStatus), i.RuntimeStatus.ToString(), i.CreatedAt, i.LastUpdatedAt))
                .ToList();
            return ApiResults.Json(new DashboardWorkflowPage(items, pageSize, string.IsNullOrEmpty(page.ContinuationToken) ? null : page.ContinuationToken));
        }

        return ApiResults.Json(new DashboardWorkflowPage([], pageSize, null));
    }

    /// <summary>
    /// <c>GET /api/dashboard/data/tasks?status=&amp;priority=&amp;prefix=&amp;created_from=&amp;created_to=&amp;limit=&amp;offset=</c>:
    /// one page of tasks (oldest first) with the total that match, every filter answered by the index's own query
    /// (<see cref="ITaskIndex.QueryAsync"/>: SQL on SQLite).
    /// </summary>
    [Function(nameof(DashboardTasks))]
    public async Task<IActionResult> DashboardTasks(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "dashboard/data/tasks")] HttpRequest request,
        FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var query = request.Query;
        WorkflowTaskStatus? status = null;
        if (query["status"].FirstOrDefault() is { Length: > 0 } statusText)
        {
            if (!Enum.TryParse<WorkflowTaskStatus>(statusText, ignoreCase: true, out var parsed) || int.TryParse(statusText, CultureInfo.InvariantCulture, out _))
            {
                return ApiResults.Problem(400, "Bad Request", $"status must be one of {string.Join(", ", Enum.GetValues<WorkflowTaskStatus>().Select(StatusName))}.");
            }

            status = parsed;
        }

        int? priority = null;
        if (query["priority"].FirstOrDefault() is { Length: > 0 })
        {
            if (!TryInt(query["priority"], 0, 1, 10, out var wanted))
            {
                return ApiResults.Problem(400, "Bad Request", "priority must be 1-10.");
            }

            priority = wanted;
        }

        if (!TryTime(query["created_from"], out var from) || !TryTime(query["created_to"], out var to))
        {
            return ApiResults.Problem(400, "Bad Request", "created_from and created_to must be ISO 8601 times (e.g. 2030-01-01T00:00:00Z).");
        }

        if (!TryInt(query["limit"], 50, 1, 500, out var limit) || !TryInt(query["offset"], 0, 0, int.MaxValue, out var offset))
        {
            return ApiResults.Problem(400, "Bad Request", "limit must be 1-500 and offset 0 or more.");
        }

        var prefix = query["prefix"].FirstOrDefault() is { Length: > 0 } p ? p : null;
        if (priority is null && prefix is null && from is null && to is null)
        {
            // Only the index's own filter: its page and total as they are.
            var direct = await index.ListAsync(status, limit, offset, context.CancellationToken);
            return ApiResults.Json(new DashboardTaskPage([.. direct.Items.Select(TaskView.From)], direct.Total, limit, offset));
        }

        var page = await index.QueryAsync(new TaskQuery(status, priority, prefix, from, to), limit, offset, context.CancellationToken);
        return ApiResults.Json(new DashboardTaskPage([.. page.Items.Select(TaskView.From)], page.Total, limit, offset));
    }

    /// <summary>
    /// <c>GET /api/dashboard/data/workflows/{id}/graph</c>: the workflow's DAG as submitted (each task's type, priority,
    /// dependencies and timeout), which <c>GET /api/workflows/{id}</c> does not repeat. 404 for an unknown id.
    /// </summary>
    [Function(nameof(DashboardWorkflowGraph))]
    public static async Task<IActionResult> DashboardWorkflowGraph(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "dashboard/data/workflows/{id}/graph")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string id,
        FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(context);
        var instance = await client.GetInstanceAsync(id, getInputsAndOutputs: true, context.CancellationToken);
        if (instance is null || !DeadLetters.WorkflowRerunOrchestrator.IsWorkflow(instance.Name))
        {
            return ApiResults.Problem(404, "Not Found", $"No workflow with id '{id}'.");
        }

        var spec = instance.ReadInputAs<WorkflowSpec>();
        var nodes = (spec?.Tasks ?? []).Select(t => new DashboardGraphNode(t.TaskId!, t.TaskType, t.Priority, t.DependsOn, t.Timeout, t.MaxRetries)).ToList();
        return ApiResults.Json(new DashboardGraph(id, spec?.MaxParallelism, nodes));
    }

    /// <summary>The API's name of a task status (snake_case, as in every response).</summary>
    private static string StatusName(WorkflowTaskStatus status) => status.ToString().ToLowerInvariant();

    /// <summary>The dashboard's workflow status filter as Durable runtime statuses; null when not one of <see cref="WorkflowStatuses"/>.</summary>
    private static List<OrchestrationRuntimeStatus>? RuntimeStatusesOf(string status) => status.ToLowerInvariant() switch
    {
        "pending" => [OrchestrationRuntimeStatus.Pending],
        "running" => [OrchestrationRuntimeStatus.Running],
        "suspended" => [OrchestrationRuntimeStatus.Suspended],
        "completed" => [OrchestrationRuntimeStatus.Completed],
        "failed" => [OrchestrationRuntimeStatus.Failed, OrchestrationRuntimeStatus.Terminated],
        _ => null,
    };

    /// <summary>A runtime status as the list's <c>status</c> (a cancelled workflow completes: its own page says cancelled).</summary>
    private static string RuntimeStatusName(OrchestrationRuntimeStatus status) => status switch
    {
        OrchestrationRuntimeStatus.Pending => "pending",
        OrchestrationRuntimeStatus.Running => "running",
        OrchestrationRuntimeStatus.Suspended => "suspended",
        OrchestrationRuntimeStatus.Completed => "completed",
        _ => "failed",
    };

    private static bool TryInt(Microsoft.Extensions.Primitives.StringValues value, int fallback, int min, int max, out int result)
    {
        result = fallback;
        return value.Count == 0 || string.IsNullOrEmpty(value[0])
            || (int.TryParse(value[0], NumberStyles.None, CultureInfo.InvariantCulture, out result) && result >= min && result <= max);
    }

    private static bool TryTime(Microsoft.Extensions.Primitives.StringValues value, out DateTimeOffset? result)
    {
        result = null;
        if (value.Count == 0 || string.IsNullOrEmpty(value[0]))
        {
            return true;
        }

        if (DateTimeOffset.TryParse(value[0], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            result = parsed;
            return true;
        }

        return false;
    }
}

/// <summary>What the page needs to know about the API's keys.</summary>
/// <param name="ApiKeyRequired">Whether the API wants a key (<c>Auth:ApiKeys</c> configured).</param>
/// <param name="Authenticated">Whether the key sent is valid (always true when none is required).</param>
/// <param name="Client">The client the key names, when valid.</param>
/// <param name="Tenant">The key's tenant, when it has one: such a key cannot use the dashboard, an operator view (403).</param>
/// <param name="Header">The header the key goes in.</param>
public sealed record DashboardSessionView(
    bool ApiKeyRequired,
    bool Authenticated,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.Never)] string? Client,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.Never)] string? Tenant,
    string Header);

/// <summary>The HTTP routes the app serves, and where the page's event stream starts.</summary>
/// <param name="Routes">Each route template (under the route prefix) and its methods.</param>
/// <param name="StreamFrom">The journal's largest stamp when asked (the stream's <c>Last-Event-ID</c>); null when it is empty.</param>
public sealed record DashboardCapabilitiesView(
    IReadOnlyList<DashboardRoute> Routes,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.Never)] string? StreamFrom);

/// <summary>One HTTP route.</summary>
/// <param name="Route">Its template, e.g. <c>workflows/{id}</c>.</param>
/// <param name="Methods">Its methods, upper case.</param>
public sealed record DashboardRoute(string Route, IReadOnlyList<string> Methods);

/// <summary>Tasks by status across the index.</summary>
/// <param name="Total">Every task.</param>
/// <param name="Counts">Tasks per status (every status named).</param>
public sealed record DashboardSummaryView(int Total, IReadOnlyDictionary<string, int> Counts);

/// <summary>One workflow in the dashboard's list.</summary>
/// <param name="WorkflowId">Its id.</param>
/// <param name="Status">pending, running, suspended, completed or failed (terminated counts as failed).</param>
/// <param name="RuntimeStatus">Durable's runtime status.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="LastUpdatedAt">When it last changed.</param>
public sealed record DashboardWorkflowRow(string WorkflowId, string Status, string RuntimeStatus, DateTimeOffset CreatedAt, DateTimeOffset LastUpdatedAt);

/// <summary>A page of workflows.</summary>
/// <param name="Items">The workflows of this page.</param>
/// <param name="PageSize">The page size asked for.</param>
/// <param name="Continuation">The next page's token, null on the last page.</param>
public sealed record DashboardWorkflowPage(
    IReadOnlyList<DashboardWorkflowRow> Items,
    int PageSize,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.Never)] string? Continuation);

/// <summary>A page of tasks.</summary>
/// <param name="Items">The tasks of this page.</param>
/// <param name="Total">Tasks that matched.</param>
/// <param name="Limit">The page size.</param>
/// <param name="Offset">Matches skipped before this page.</param>
public sealed record DashboardTaskPage(IReadOnlyList<TaskView> Items, int Total, int Limit, int Offset);

/// <summary>A workflow's DAG as submitted.</summary>
/// <param name="WorkflowId">Its id.</param>
/// <param name="MaxParallelism">Its parallelism limit, when set.</param>
/// <param name="Tasks">Its tasks.</param>
public sealed record DashboardGraph(string WorkflowId, int? MaxParallelism, IReadOnlyList<DashboardGraphNode> Tasks);

/// <summary>One task of a DAG.</summary>
/// <param name="TaskId">Its id.</param>
/// <param name="TaskType">Its type.</param>
/// <param name="Priority">Its priority.</param>
/// <param name="Dependencies">The tasks it waits for.</param>
/// <param name="Timeout">Its per-attempt timeout (seconds), when set.</param>
/// <param name="MaxRetries">Its retries, when set.</param>
public sealed record DashboardGraphNode(string TaskId, string TaskType, int Priority, IReadOnlyList<string> Dependencies, double? Timeout, int? MaxRetries);
