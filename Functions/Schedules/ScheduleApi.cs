using System.Globalization;
using System.Text.Json;
using DurableTask.Core.Exceptions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using ServerlessTasks.Activities;
using ServerlessTasks.Domain.Model;
using ServerlessTasks.Domain.Validation;
using ServerlessTasks.Functions.Http;
using ServerlessTasks.Functions.Security;
using ServerlessTasks.TaskIndex;

namespace ServerlessTasks.Functions.Schedules;

/// <summary>
/// <c>/api/schedules</c>: create (<c>POST</c>, idempotent by <c>schedule_id</c>), list, read, delete, pause and resume
/// schedules. Each is the orchestration <see cref="ScheduleOrchestrator"/> (its history is the durable store).
/// </summary>
public sealed class ScheduleApi(TimeProvider time)
{
    private const int MaxScheduleIdLength = 100;

    /// <summary>How long <c>DELETE</c> waits for the schedule's orchestration to take its termination before answering 202.</summary>
    private static readonly TimeSpan DeleteWait = TimeSpan.FromSeconds(30);
    private static readonly OrchestrationRuntimeStatus[] AnyStatus = Enum.GetValues<OrchestrationRuntimeStatus>();
    private readonly WorkflowValidator _validator = new();

    /// <summary><c>POST /api/schedules</c>: 201 with the schedule; the same body again 200, a different one 409.</summary>
    [Function(nameof(CreateSchedule))]
    public async Task<IActionResult> CreateSchedule(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "schedules")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(context);
        var (submitted, problem) = await JsonBody.ReadAsync<ScheduleSpec>(request, context.CancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var spec = WithTaskIds(submitted!);
        if (Invalid(spec) is { } detail)
        {
            return ApiResults.Problem(422, "Unprocessable Entity", detail);
        }

        // A key with a tenant claims the id first (ids are global; the first owner keeps it): another tenant's schedule,
        // or one created without a tenant, is a conflict that says nothing of it. Firings then submit as the tenant.
        var tenant = TenantScope.TenantOf(request.HttpContext);
        var claim = await TenantScope.ClaimAsync(request.HttpContext, TenantResource.Schedule, spec.ScheduleId!, context.CancellationToken);
        if (claim is not null && claim.Owner != tenant)
        {
            return ApiResults.Problem(409, "Conflict", $"Schedule '{spec.ScheduleId}' already exists.");
        }

        var instanceId = ScheduleOrchestrator.InstanceId(spec.ScheduleId!);
        var status = StatusCodes.Status201Created;
        try
        {
            await client.ScheduleNewOrchestrationInstanceAsync(nameof(ScheduleOrchestrator), new ScheduleState(spec, Tenant: tenant),
                new StartOrchestrationOptions(instanceId).WithDedupeStatuses(AnyStatus), context.CancellationToken);
        }
        catch (OrchestrationAlreadyExistsException)
        {
            if (claim is { Created: true })
            {
                // Created before by a key without a tenant: this tenant's fresh claim must not make it the owner.
                await TenantScope.ReleaseAsync(request.HttpContext, TenantResource.Schedule, spec.ScheduleId!, CancellationToken.None);
                return ApiResults.Problem(409, "Conflict", $"Schedule '{spec.ScheduleId}' already exists.");
            }

            var existing = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: true, context.CancellationToken);
            if (existing?.ReadInputAs<ScheduleState>()?.Spec is not { } stored || !SameJson(stored, spec))
            {
                return ApiResults.Problem(409, "Conflict", $"Schedule '{spec.ScheduleId}' already exists with a different body.");
            }

            status = StatusCodes.Status200OK;
        }

        request.HttpContext.Response.Headers.Location = $"/api/schedules/{Uri.EscapeDataString(spec.ScheduleId!)}";
        var instance = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: true, context.CancellationToken);
        return ApiResults.Json(instance is null ? View(spec, "active", null) : View(instance), status);
    }

    /// <summary><c>GET /api/schedules</c>: every schedule (a tenant's key: its tenant's).</summary>
    [Function(nameof(ListSchedules))]
    public static async Task<IActionResult> ListSchedules(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "schedules")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(context);
        var owned = await TenantScope.OwnedAsync(request.HttpContext, TenantResource.Schedule, context.CancellationToken);
        var items = new List<object>();
        var query = new OrchestrationQuery { InstanceIdPrefix = ScheduleOrchestrator.InstanceId(string.Empty), FetchInputsAndOutputs = true };
        await foreach (var instance in client.GetAllInstancesAsync(query).WithCancellation(context.CancellationToken))
        {
            if (instance.RuntimeStatus != OrchestrationRuntimeStatus.Terminated
                && (owned is null || owned.Contains(instance.InstanceId[ScheduleOrchestrator.InstanceId(string.Empty).Length..])))
            {
                items.Add(View(instance));
            }
        }

        return ApiResults.Json(new { items });
    }

    /// <summary><c>GET /api/schedules/{id}</c>.</summary>
    [Function(nameof(GetSchedule))]
    public static async Task<IActionResult> GetSchedule(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "schedules/{id}")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string id,
        FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(context);
        var instance = await client.GetInstanceAsync(ScheduleOrchestrator.InstanceId(id), getInputsAndOutputs: true, context.CancellationToken);
        return instance is null || instance.RuntimeStatus == OrchestrationRuntimeStatus.Terminated ? NotFound(id) : ApiResults.Json(View(instance));
    }

    /// <summary><c>DELETE /api/schedules/{id}</c>: stops it (no more firings) and removes it; 204 once it is gone, 404 unknown, 202 when stopping takes longer than 30 s.</summary>
    [Function(nameof(DeleteSchedule))]
    public static async Task<IActionResult> DeleteSchedule(
        [HttpTrigger(AuthorizationLevel.Function, "delete", Route = "schedules/{id}")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string id,
        FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(context);
        var instanceId = ScheduleOrchestrator.InstanceId(id);
        var instance = await client.GetInstanceAsync(instanceId, context.CancellationToken);
        if (instance is null || instance.RuntimeStatus == OrchestrationRuntimeStatus.Terminated)
        {
            return NotFound(id);
        }

        if (!instance.IsCompleted)
        {
            // Terminating is a message the orchestration still has to take: the answer waits for it, so a read right
            // after the 204 no longer finds the schedule (reads treat Terminated as deleted).
            await client.TerminateInstanceAsync(instanceId, "schedule deleted", context.CancellationToken);
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
            wait.CancelAfter(DeleteWait);
            try
            {
                await client.WaitForInstanceCompletionAsync(instanceId, wait.Token);
            }
            catch (OperationCanceledException) when (!context.CancellationToken.IsCancellationRequested)
            {
                return ApiResults.Json(new { schedule_id = id, status = "deleting" }, StatusCodes.Status202Accepted);
            }
        }

        await client.PurgeInstanceAsync(instanceId, context.CancellationToken);
        return new NoContentResult();
    }


    /// <summary><c>POST /api/schedules/{id}/pause</c>: no firings until resumed (a firing due meanwhile runs once on resume).</summary>
    [Function(nameof(PauseSchedule))]
    public static Task<IActionResult> PauseSchedule(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "schedules/{id}/pause")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string id,
        FunctionContext context) =>
        ChangeAsync(client, id, pause: true, context);

    /// <summary><c>POST /api/schedules/{id}/resume</c>.</summary>
    [Function(nameof(ResumeSchedule))]
    public static Task<IActionResult> ResumeSchedule(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "schedules/{id}/resume")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string id,
        FunctionContext context) =>
        ChangeAsync(client, id, pause: false, context);

    private static async Task<IActionResult> ChangeAsync(DurableTaskClient client, string id, bool pause, FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(context);
        var instanceId = ScheduleOrchestrator.InstanceId(id);
        var instance = await client.GetInstanceAsync(instanceId, context.CancellationToken);
        if (instance is null || instance.RuntimeStatus == OrchestrationRuntimeStatus.Terminated)
        {
            return NotFound(id);
        }

        if (instance.IsCompleted)
        {
            return ApiResults.Problem(409, "Conflict", $"Schedule '{id}' has no firings left.");
        }

        if (pause)
        {
            await client.SuspendInstanceAsync(instanceId, "schedule paused", context.CancellationToken);
        }
        else
        {
            await client.ResumeInstanceAsync(instanceId, "schedule resumed", context.CancellationToken);
        }

        return new AcceptedResult();
    }

    private string? Invalid(ScheduleSpec spec)
    {
        if (!StorageKeyRules.IsSafe(spec.ScheduleId, MaxScheduleIdLength))
        {
            return string.Create(CultureInfo.InvariantCulture, $"Field 'schedule_id' is required: 1-{MaxScheduleIdLength} letters, digits and '-', '_', '.', ':'.");
        }

        if (spec.ScheduleId!.Contains('@', StringComparison.Ordinal))
        {
            return "Field 'schedule_id' may not contain '@' (it separates the schedule from the firing time in submission ids).";
        }

        if (ScheduleTimes.Problem(spec, time.GetUtcNow()) is { } timing)
        {
            return timing;
        }

        if ((spec.Task is null) == (spec.Workflow is null))
        {
            return "Exactly one of 'task' and 'workflow' is required.";
        }

        // The submission is checked now as POST /api/tasks or /api/workflows would check it, under a firing's id.
        var now = time.GetUtcNow();
        var id = ScheduleActivities.SubmissionId(spec.ScheduleId, now);
        List<ValidationProblem> problems = spec.Task is { } task
            ? [.. _validator.ValidateTask(task with { TaskId = id }, now).Problems]
            : [.. _validator.Validate(spec.Workflow! with { WorkflowId = id }, now).Problems];
        IReadOnlyList<TaskSpec> types = spec.Task is { } one ? [one] : spec.Workflow!.Tasks ?? [];
        var unknown = types.Where(t => t is not null && !string.IsNullOrEmpty(t.TaskType) && !TaskTypes.IsKnown(t.TaskType)).Select(t => t.TaskType).FirstOrDefault();
        if (problems.Count > 0)
        {
            return $"Field '{(spec.Task is null ? "workflow" : "task")}' is invalid: {problems[0].Message}";
        }

        return unknown is null ? null : $"Unknown task_type '{unknown}'; known: {string.Join(", ", TaskTypes.BuiltIn)}.";
    }

    /// <summary>Missing task ids of a scheduled workflow are filled by position (<c>task-1</c>, ...), as for <c>POST /api/workflows</c>.</summary>
    private static ScheduleSpec WithTaskIds(ScheduleSpec spec) =>
        spec.Workflow is not { Tasks: { } tasks } workflow
            ? spec
            : spec with
            {
                Workflow = workflow with
                {
                    Tasks = [.. tasks.Select((t, i) => t is null || !string.IsNullOrEmpty(t.TaskId) ? t! : t with { TaskId = string.Create(CultureInfo.InvariantCulture, $"task-{i + 1}") })],
                },
            };

    private static bool SameJson(ScheduleSpec stored, ScheduleSpec submitted) =>
        JsonSerializer.Serialize(stored, ApiJson.Options) == JsonSerializer.Serialize(submitted, ApiJson.Options);

    private static IActionResult NotFound(string id) => ApiResults.Problem(404, "Not Found", $"Schedule '{id}' does not exist.");

    private static object View(OrchestrationMetadata instance)
    {
        var state = instance.ReadInputAs<ScheduleState>();
        var progress = instance.ReadCustomStatusAs<ScheduleProgress>();
        var status = instance.RuntimeStatus switch
        {
            OrchestrationRuntimeStatus.Suspended => "paused",
            OrchestrationRuntimeStatus.Completed => "completed",
            OrchestrationRuntimeStatus.Failed => "failed",
            _ => "active",
        };
        return View(state!.Spec, status, progress);
    }

    private static object View(ScheduleSpec spec, string status, ScheduleProgress? progress) => new
    {
        schedule_id = spec.ScheduleId,
        cron = spec.Cron,
        run_at = spec.RunAt,
        time_zone = spec.TimeZone,
        status,
        next_fire_at = status == "completed" ? null : progress?.NextFireAt,
        last_fire_at = progress?.LastFireAt,
        fired = progress?.Fired ?? 0,
        task = spec.Task,
        workflow = spec.Workflow,
    };
}
