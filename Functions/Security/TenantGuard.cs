using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using ServerlessTasks.Domain.Orders;
using ServerlessTasks.Functions.Http;
using ServerlessTasks.TaskIndex;

namespace ServerlessTasks.Functions.Security;

/// <summary>
/// Tenant isolation for every HTTP function, before it runs: a request whose key has a tenant reaches an id (a task,
/// workflow, order, worker or schedule in its route, or a <c>workflow_id</c> in its query) only when its tenant owns
/// it; otherwise it gets the same 404 problem an unknown id gets, so another tenant's ids do not leak. Operator
/// endpoints that see across tenants (dashboard, pools, proctor, callback and task dead letters, the orders ledger) answer
/// a tenant's key with 403. Lists are filtered by the endpoints themselves (<see cref="TenantScope.OwnedAsync"/>).
/// </summary>
/// <remarks>
/// The route comes from the function's own <see cref="HttpTriggerAttribute"/> (read once per function), so a new
/// route under <c>tasks/{taskId}</c> or <c>workflows/{id}</c> is guarded without being listed here.
/// </remarks>
public sealed class TenantGuard(ITenantDirectory directory)
{
    private static readonly ConcurrentDictionary<string, string[]?> Routes = new(StringComparer.Ordinal);

    private static readonly HashSet<string> OperatorAreas = new(StringComparer.Ordinal)
    {
        "callbacks", "dashboard", "dead-letters", "pools", "proctor", "orders-ledger",
    };

    /// <summary>Null when <paramref name="tenant"/> may run <paramref name="function"/> for <paramref name="request"/>, else the refusal.</summary>
    public async Task<IActionResult?> CheckAsync(FunctionDefinition function, HttpRequest request, string tenant, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(request);
        if (RouteOf(function) is not { Length: > 0 } template)
        {
            return null;
        }

        var values = Match(template, request.Path.Value ?? string.Empty);
        var queryWorkflow = request.Query["workflow_id"].FirstOrDefault() is { Length: > 0 } wf ? wf : null;
        switch (template[0])
        {
            case var area when OperatorAreas.Contains(area):
                return ApiResults.Problem(403, "Forbidden", "This endpoint is for operators and sees every tenant; a key with a tenant cannot use it.");
            case "tasks" when values.TryGetValue("taskId", out var taskId):
                var instance = queryWorkflow ?? TaskIndexEntry.SingleTaskWorkflowId(taskId);
                return await OwnsAsync(TenantResource.Instance, instance, tenant, cancellation) ? null
                    : template is [_, _, "events"] ? NotFound($"No task '{taskId}' in '{instance}'.")
                    : queryWorkflow is not null ? NotFound($"No task with id '{taskId}' in workflow '{queryWorkflow}'.")
                    : NotFound($"No task with id '{taskId}'.");
            case "tasks" or "events" when queryWorkflow is not null:
                return await OwnsAsync(TenantResource.Instance, queryWorkflow, tenant, cancellation) ? null : NotFound($"No workflow with id '{queryWorkflow}'.");
            case "workflows" when values.TryGetValue("id", out var workflowId):
                return await OwnsAsync(TenantResource.Instance, workflowId, tenant, cancellation) ? null : NotFound($"No workflow with id '{workflowId}'.");
            case "orders" when values.TryGetValue("orderId", out var orderId):
                return await OwnsAsync(TenantResource.Instance, OrderSpec.WorkflowIdOf(orderId), tenant, cancellation) ? null : NotFound($"No order with id '{orderId}'.");
            case "workers" when values.TryGetValue("workerId", out var workerId):
                return await OwnsAsync(TenantResource.Worker, workerId, tenant, cancellation) ? null : Workers.WorkerApi.UnknownWorker(workerId);
            case "schedules" when values.TryGetValue("id", out var scheduleId):
                // A tenant's schedule fires as that tenant (its submissions are the tenant's); another's is unknown.
                return await OwnsAsync(TenantResource.Schedule, scheduleId, tenant, cancellation) ? null : NotFound($"Schedule '{scheduleId}' does not exist.");
            default:
                return null;
        }
    }

    private async Task<bool> OwnsAsync(TenantResource kind, string id, string tenant, CancellationToken cancellation) =>
        await directory.OwnerAsync(kind, id, cancellation) == tenant;

    private static IActionResult NotFound(string detail) => ApiResults.Problem(404, "Not Found", detail);

    /// <summary>The route parameters of <paramref name="path"/> (<c>/api/...</c>) by name, for the route's template segments.</summary>
    private static Dictionary<string, string> Match(string[] template, string path)
    {
        var segments = path.Trim('/').Split('/');
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        // The path carries the route prefix (api/) before the template.
        var offset = segments.Length - template.Length;
        if (offset < 0)
        {
            return values;
        }

        for (var i = 0; i < template.Length; i++)
        {
            if (template[i] is ['{', .. var name, '}'])
            {
                values[name.TrimStart('*')] = Uri.UnescapeDataString(segments[offset + i]);
            }
        }

        return values;
    }

    private static string[]? RouteOf(FunctionDefinition function) =>
        Routes.GetOrAdd(function.EntryPoint, static entryPoint =>
        {
            var split = entryPoint.LastIndexOf('.');
            var type = split > 0 ? typeof(TenantGuard).Assembly.GetType(entryPoint[..split]) : null;
            var method = type?.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static)
                .FirstOrDefault(m => m.Name == entryPoint[(split + 1)..] && m.GetCustomAttribute<FunctionAttribute>() is not null);
            var route = method?.GetParameters().Select(p => p.GetCustomAttribute<HttpTriggerAttribute>()).FirstOrDefault(a => a is not null)?.Route;
            return route?.Split('/');
        });
}
