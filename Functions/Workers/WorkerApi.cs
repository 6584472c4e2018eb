using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using ServerlessTasks.Activities.Workers;
using ServerlessTasks.Domain.Validation;
using ServerlessTasks.Domain.Workers;
using ServerlessTasks.Functions.Http;
using ServerlessTasks.TaskIndex;

namespace ServerlessTasks.Functions.Workers;

/// <summary>The worker endpoints: register, heartbeat, list, deregister (DESIGN.md section 4).</summary>
public sealed class WorkerApi(WorkQueue queue, WorkerEvents journal)
{
    /// <summary>Longest worker id.</summary>
    public const int MaxWorkerIdLength = 128;

    /// <summary>Most leases one worker may hold.</summary>
    public const int MaxConcurrencyLimit = 1000;

    /// <summary><c>POST /api/workers/register</c>: 201 for a new worker, 200 when it registers again.</summary>
    [Function(nameof(RegisterWorker))]
    public async Task<IActionResult> RegisterWorker(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "workers/register")] HttpRequest request,
        FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (body, problem) = await JsonBody.ReadAsync<RegisterBody>(request, context.CancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (CheckWorkerId(body!.WorkerId) is { } badId)
        {
            return badId;
        }

        if (body.Capabilities is not { Count: > 0 } capabilities || capabilities.Any(c => string.IsNullOrWhiteSpace(c) || c.Length > 128))
        {
            return Invalid("capabilities", "capabilities must be a non-empty array of task types (strings of 1-128 characters), e.g. [\"resize\", \"transcode\"].");
        }

        var max = body.MaxConcurrentTasks ?? 1;
        if (max is < 1 or > MaxConcurrencyLimit)
        {
            return Invalid("max_concurrent_tasks", $"max_concurrent_tasks must be a whole number from 1 to {MaxConcurrencyLimit}.");
        }

        // Worker ids are global: a tenant's key claims the id, and another tenant's worker (or one registered without a
        // tenant) is a conflict; the tenant is recorded on the registration, so the worker leases that tenant's tasks alone.
        var tenant = Security.TenantScope.TenantOf(request.HttpContext);
        if (tenant is not null
            && ((await queue.Store.GetWorkerAsync(body.WorkerId!, context.CancellationToken) is { } known && known.Tenant != tenant)
                || (await Security.TenantScope.ClaimAsync(request.HttpContext, TenantResource.Worker, body.WorkerId!, context.CancellationToken))!.Owner != tenant))
        {
            return ApiResults.Problem(409, "Conflict", $"Worker '{body.WorkerId}' already exists.");
        }

        var (worker, created) = await queue.Store.RegisterAsync(
            new WorkerRegistration(body.WorkerId!, [.. capabilities.Distinct(StringComparer.Ordinal)], max) { Tenant = tenant }, queue.Now, context.CancellationToken);
        return ApiResults.Json(Registered(worker.WorkerId, worker.Status), created ? 201 : 200);
    }

    /// <summary><c>POST /api/workers/{worker_id}/heartbeat</c>: 200, 404 for an unknown worker. Renews every lease it holds.</summary>
    [Function(nameof(WorkerHeartbeat))]
    public async Task<IActionResult> WorkerHeartbeat(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "workers/{workerId}/heartbeat")] HttpRequest request,
        string workerId,
        FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var body = new HeartbeatBody(null, null, null);
        if (request.ContentLength is not 0)
        {
            var (read, problem) = await JsonBody.ReadAsync<HeartbeatBody>(request, context.CancellationToken);
            if (problem is not null)
            {
                return problem;
            }

            body = read!;
        }

        if (body.Status is WorkerStatus.Dead)
        {
            return Invalid("status", "status must be one of active, draining.");
        }

        if (body.CurrentTasks is < 0)
        {
            return Invalid("current_tasks", "current_tasks must be a whole number, 0 or more.");
        }

        var now = queue.Now;
        var worker = await queue.Store.HeartbeatAsync(
            workerId, body.Status ?? WorkerStatus.Active, body.CurrentTasks ?? 0, body.SystemInfo?.GetRawText(), now, now + queue.Settings.LeaseTimeout, context.CancellationToken);
        return worker is null
            ? UnknownWorker(workerId)
            : ApiResults.Json(Registered(worker.WorkerId, worker.Status));
    }

    /// <summary><c>GET /api/workers</c>: every known worker (dead ones until they are forgotten).</summary>
    [Function(nameof(ListWorkers))]
    public async Task<IActionResult> ListWorkers(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "workers")] HttpRequest request,
        FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var now = queue.Now;
        var workers = await queue.Store.ListWorkersAsync(context.CancellationToken);
        var tenant = Security.TenantScope.TenantOf(request.HttpContext);
        return ApiResults.Json(workers.Where(w => tenant is null || w.Tenant == tenant).Select(w => WorkerView.From(w, now, queue.Settings)).ToList());
    }

    /// <summary><c>DELETE /api/workers/{worker_id}</c>: removes the worker; the tasks it held go back to the queue. 204, 404 unknown.</summary>
    [Function(nameof(DeregisterWorker))]
    public async Task<IActionResult> DeregisterWorker(
        [HttpTrigger(AuthorizationLevel.Function, "delete", Route = "workers/{workerId}")] HttpRequest request,
        string workerId,
        FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var requeued = await queue.Store.DeregisterAsync(workerId, queue.Now, context.CancellationToken);
        if (requeued is null)
        {
            return UnknownWorker(workerId);
        }

        await journal.RecordAsync(requeued.Select(t => (TaskEventKind.Requeued, t.WorkflowId, t.TaskId, t.Attempt, $"worker '{workerId}' deregistered holding the lease")), context.CancellationToken);

        // Wakes every lease call: other workers for the re-queued tasks, and this worker's own, which then ends (404).
        queue.Signal();
        return new NoContentResult();
    }

    /// <summary>The problem response for an unknown worker.</summary>
    public static IActionResult UnknownWorker(string workerId) =>
        ApiResults.Problem(404, "Not Found", $"No worker with worker_id '{workerId}'; register it with POST /api/workers/register.");

    /// <summary>A 422 naming the field.</summary>
    public static IActionResult Invalid(string field, string message) =>
        ApiResults.Problem(422, "Unprocessable Entity", message, new[] { new { field, message } });

    /// <summary>The problem response for a bad worker id, or null.</summary>
    public static IActionResult? CheckWorkerId(string? workerId)
    {
        var violation = StorageKeyRules.Check(workerId, MaxWorkerIdLength);
        return violation == StorageKeyViolation.None
            ? null
            : Invalid("worker_id", $"worker_id {StorageKeyRules.Describe(violation, MaxWorkerIdLength)}");
    }

    private WorkerRegistered Registered(string workerId, WorkerStatus status) =>
        new(workerId, status, queue.Settings.HeartbeatInterval.TotalSeconds, queue.Settings.LeaseTimeout.TotalSeconds);
}
