using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using ServerlessTasks.Activities.Http;
using ServerlessTasks.Domain.Model;
using ServerlessTasks.Domain.Validation;
using ServerlessTasks.Functions.Callbacks;
using ServerlessTasks.Functions.Contracts;
using ServerlessTasks.Functions.Http;
using ServerlessTasks.TaskIndex;
using ServerlessTasks.Webhooks;

namespace ServerlessTasks.Functions;

/// <summary>The task endpoints (the seed's task API): submit one task, read it, list tasks.</summary>
public sealed class TaskApi(TimeProvider time, ITaskIndex index, OutboundAddressGuard outbound, ICallbackStore callbacks, Activities.Workers.WorkQueue workers)
{
    private readonly WorkflowValidator _validator = BuiltInPayloads.Validator;

    /// <summary>
    /// <c>POST /api/tasks</c>: one task; its <c>dependencies</c> name tasks submitted earlier, which it waits for.
    /// 202 with the status URLs; the same <c>task_id</c> and body again is 200, a different body 409.
    /// </summary>
    [Function(nameof(SubmitTask))]
    public async Task<IActionResult> SubmitTask(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "tasks")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(client);
        var (submitted, problem) = await JsonBody.ReadAsync<TaskSpec>(request, context.CancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var task = string.IsNullOrEmpty(submitted!.TaskId) ? submitted with { TaskId = Guid.NewGuid().ToString("N") } : submitted;
        var invalid = await ValidateAsync(task, client, request.HttpContext, context.CancellationToken)
            ?? await CallbackProblems.CheckAsync(outbound, null, [task], context.CancellationToken);
        if (invalid is not null)
        {
            return invalid;
        }

        return await IdempotentStart.StartAsync(
            request, client, nameof(SingleTaskOrchestrator), TaskIndexEntry.SingleTaskWorkflowId(task.TaskId!), task,
            $"/api/tasks/{Uri.EscapeDataString(task.TaskId!)}", $"Task '{task.TaskId}'", task.TaskId, context.CancellationToken,
            priority: task.Priority);
    }

    /// <summary>
    /// <c>GET /api/tasks/{task_id}</c>: the task in the seed's shape. A task id names a single task; a task inside a
    /// workflow (ids are unique only within their workflow) is read with <c>?workflow_id=</c>.
    /// </summary>
    [Function(nameof(GetTask))]
    public async Task<IActionResult> GetTask(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "tasks/{taskId}")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string taskId,
        FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(client);
        if (request.Query["workflow_id"].FirstOrDefault() is { Length: > 0 } workflowId)
        {
            return await index.GetAsync(workflowId, taskId, context.CancellationToken) is { } inWorkflow
                ? ApiResults.Json(await Workers.ExternalTaskStatus.OverlayAsync(workers, TaskView.From(inWorkflow), context.CancellationToken))
                : ApiResults.Problem(404, "Not Found", $"No task with id '{taskId}' in workflow '{workflowId}'.");
        }

        var instanceId = TaskIndexEntry.SingleTaskWorkflowId(taskId);
        var entry = await index.GetAsync(instanceId, taskId, context.CancellationToken);
        var instance = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: true, context.CancellationToken);
        var spec = instance?.ReadInputAs<TaskSpec>();
        var callback = await CallbackStateView.ForAsync(callbacks, instanceId, spec?.Callback, context.CancellationToken, entry?.Redrives ?? 0);
        if (entry is not null)
        {
            return ApiResults.Json(await Workers.ExternalTaskStatus.OverlayAsync(workers, TaskView.From(entry), context.CancellationToken) with
            {
                Callback = callback,
                DeadlineMissed = TaskView.Missed(spec?.Deadline, entry.IsTerminal ? entry.CompletedAt ?? time.GetUtcNow() : null, time.GetUtcNow()),
            });
        }

        // Accepted but not indexed yet: the orchestration exists, so the task is pending.
        return spec is not null
            ? ApiResults.Json(TaskView.Pending(instanceId, spec, instance!.CreatedAt) with
            {
                Callback = callback,
                DeadlineMissed = TaskView.Missed(spec.Deadline, null, time.GetUtcNow()),
            })
            : ApiResults.Problem(404, "Not Found", $"No task with id '{taskId}'.");
    }

    /// <summary>
    /// <c>GET /api/tasks?status=&amp;limit=&amp;offset=</c>: a page of the single tasks (each one <c>GET /api/tasks/{task_id}</c>
    /// serves), oldest first; with <c>workflow_id=</c> the tasks of that workflow instead.
    /// </summary>
    [Function(nameof(ListTasks))]
    public async Task<IActionResult> ListTasks(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "tasks")] HttpRequest request,
        FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        WorkflowTaskStatus? status = null;
        if (request.Query["status"].FirstOrDefault() is { Length: > 0 } statusText)
        {
            if (!Enum.TryParse<WorkflowTaskStatus>(statusText, ignoreCase: true, out var parsed) || int.TryParse(statusText, CultureInfo.InvariantCulture, out _))
            {
                return ApiResults.Problem(400, "Bad Request", $"status must be one of {string.Join(", ", Enum.GetNames<WorkflowTaskStatus>().Select(n => n.ToLowerInvariant()))}.");
            }

            status = parsed;
        }

        if (!TryInt(request.Query["limit"], 100, 1, 1000, out var limit) || !TryInt(request.Query["offset"], 0, 0, int.MaxValue, out var offset))
        {
            return ApiResults.Problem(400, "Bad Request", "limit must be 1-1000 and offset 0 or more.");
        }

        var page = request.Query["workflow_id"].FirstOrDefault() is { Length: > 0 } workflowId
            ? await ListWorkflowTasksAsync(workflowId, status, limit, offset, context.CancellationToken)
            : await ListSingleTasksAsync(status, limit, offset, await Security.TenantScope.OwnedAsync(request.HttpContext, TenantResource.Instance, context.CancellationToken), context.CancellationToken);
        return ApiResults.Json(new TaskPage([.. page.Items.Select(TaskView.From)], page.Total, limit, offset));
    }

    private async Task<TaskIndexPage> ListWorkflowTasksAsync(string workflowId, WorkflowTaskStatus? status, int limit, int offset, CancellationToken cancellation)
    {
        var all = (await index.ListWorkflowAsync(workflowId, cancellation)).Where(e => status is null || e.Status == status).ToList();
        return new TaskIndexPage([.. all.Skip(offset).Take(limit)], all.Count);
    }

    /// <summary>
    /// The single tasks among the index's rows: workflow tasks share ids across workflows, so listing them here repeated
    /// ids that <c>GET /api/tasks/{task_id}</c> could not serve. The index's query filters them (SQL on SQLite); a
    /// tenant's list is cut from the pages by its owned set (linear in all tasks).
    /// </summary>
    private async Task<TaskIndexPage> ListSingleTasksAsync(WorkflowTaskStatus? status, int limit, int offset, IReadOnlySet<string>? owned, CancellationToken cancellation)
    {
        if (owned is null)
        {
            return await index.QueryAsync(new TaskQuery(status, SingleTasksOnly: true), limit, offset, cancellation);
        }

        const int ScanPage = 1000;
        var items = new List<TaskIndexEntry>(limit);
        var total = 0;
        for (var position = 0; ; position += ScanPage)
        {
            var page = await index.ListAsync(status, ScanPage, position, cancellation);
            // A tenant's key lists its own tasks alone, filtered before the page is cut.
            foreach (var entry in page.Items.Where(e => e.WorkflowId == TaskIndexEntry.SingleTaskWorkflowId(e.TaskId) && (owned is null || owned.Contains(e.WorkflowId))))
            {
                if (total >= offset && items.Count < limit)
                {
                    items.Add(entry);
                }

                total++;
            }

            if (page.Items.Count < ScanPage)
            {
                return new TaskIndexPage(items, total);
            }
        }
    }

    /// <summary><c>POST /api/tasks/{task_id}/cancel</c>: cancels a single task that has not finished.</summary>
    [Function(nameof(CancelTask))]
    public static async Task<IActionResult> CancelTask(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "tasks/{taskId}/cancel")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string taskId,
        FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(client);
        var instanceId = TaskIndexEntry.SingleTaskWorkflowId(taskId);
        var instance = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: false, context.CancellationToken);
        if (instance is null)
        {
            return ApiResults.Problem(404, "Not Found", $"No task with id '{taskId}'.");
        }

        if (instance.IsCompleted)
        {
            return ApiResults.Problem(409, "Conflict", $"Task '{taskId}' already finished.");
        }

        await client.RaiseEventAsync(instanceId, WorkflowOrchestrator.CancelEvent, "cancelled by client", context.CancellationToken);
        return new AcceptedResult();
    }

    private async Task<IActionResult?> ValidateAsync(TaskSpec task, DurableTaskClient client, HttpContext http, CancellationToken cancellation)
    {
        var problems = _validator.ValidateTask(task, time.GetUtcNow()).Problems.ToList();
        // Any task type that is not built in is valid: it waits for an external worker offering it (TaskTypes.IsExternal).
        if (problems.Count == 0)
        {
            var unknown = new List<string>();
            foreach (var dependency in task.DependsOn.Distinct(StringComparer.Ordinal))
            {
                // The index learns of a task only once its orchestration runs: a dependency accepted a moment ago
                // is known by its orchestration instance alone.
                var instanceId = TaskIndexEntry.SingleTaskWorkflowId(dependency);
                if (await Security.TenantScope.IsForeignAsync(http, TenantResource.Instance, instanceId, cancellation)) // another tenant's task is unknown to this one
                {
                    unknown.Add(dependency);
                }
                else if (await index.GetAsync(instanceId, dependency, cancellation) is null
                    && await client.GetInstanceAsync(instanceId, getInputsAndOutputs: false, cancellation) is null)
                {
                    unknown.Add(dependency);
                }
            }

            if (unknown.Count > 0)
            {
                problems.Add(new ValidationProblem(ValidationProblemCode.UnknownDependency,
                    $"Task '{task.TaskId}' depends on tasks that were never submitted: {string.Join(", ", unknown.Select(u => $"'{u}'"))}.", [task.TaskId!], unknown));
            }
        }

        return problems.Count == 0
            ? null
            : ApiResults.Problem(ProblemStatus.For(problems).Status, ProblemStatus.For(problems).Title, $"The task is invalid: {problems[0].Message}",
                problems.Select(p => new { code = p.Code, message = p.Message, task_ids = p.TaskIds, related = p.Related }).ToList());
    }

    private static bool TryInt(Microsoft.Extensions.Primitives.StringValues value, int fallback, int min, int max, out int result)
    {
        result = fallback;
        if (string.IsNullOrEmpty(value))
        {
            return true;
        }

        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out result) && result >= min && result <= max;
    }
}

/// <summary>A page of tasks.</summary>
public sealed record TaskPage(IReadOnlyList<TaskView> Items, int Total, int Limit, int Offset);
