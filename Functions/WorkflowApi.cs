using System.Globalization;
using System.Text.Json;
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

/// <summary>The workflow endpoints: submit a DAG, read its state.</summary>
public sealed class WorkflowApi(TimeProvider time, ITaskIndex index, OutboundAddressGuard outbound, ICallbackStore callbacks)
{
    private readonly WorkflowValidator _validator = Contracts.BuiltInPayloads.Validator;

    /// <summary><c>POST /api/workflows</c>: validates and starts a workflow; 202 with the status URLs.</summary>
    [Function(nameof(SubmitWorkflow))]
    public async Task<IActionResult> SubmitWorkflow(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "workflows")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(client);
        var (submitted, problem) = await JsonBody.ReadAsync<WorkflowSpec>(request, context.CancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var spec = WithIds(submitted!);
        var invalid = Validate(spec) ?? await CallbackProblems.CheckAsync(outbound, spec.Callback, spec.Tasks, context.CancellationToken);
        if (invalid is not null)
        {
            return invalid;
        }

        return await IdempotentStart.StartAsync(
            request, client, nameof(WorkflowOrchestrator), spec.WorkflowId!, spec,
            $"/api/workflows/{Uri.EscapeDataString(spec.WorkflowId!)}", $"Workflow '{spec.WorkflowId}'", taskId: null, context.CancellationToken,
            priority: spec.Tasks.Select(static t => (int?)t.Priority).Max());
    }

    /// <summary><c>GET /api/workflows/{id}</c>: status, counts and every task's state (from the task index).</summary>
    [Function(nameof(GetWorkflow))]
    public async Task<IActionResult> GetWorkflow(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "workflows/{id}")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string id,
        FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(client);
        var instance = await client.GetInstanceAsync(id, getInputsAndOutputs: true, context.CancellationToken);
        if (instance is null || !DeadLetters.WorkflowRerunOrchestrator.IsWorkflow(instance.Name))
        {
            return ApiResults.Problem(404, "Not Found", $"No workflow with id '{id}'.");
        }

        var report = instance.RuntimeStatus == OrchestrationRuntimeStatus.Completed ? instance.ReadOutputAs<WorkflowReport>() : null;
        var (counts, cancelled) = report is not null
            ? (report.Counts, report.Cancelled)
            : instance.ReadCustomStatusAs<WorkflowProgress>() is { } progress ? (progress.Counts, progress.Cancelled) : (null, false);
        var indexed = (await index.ListWorkflowAsync(id, context.CancellationToken)).ToDictionary(e => e.TaskId, StringComparer.Ordinal);
        var spec = instance.ReadInputAs<WorkflowSpec>();
        // Task-event and task-level callbacks: a summary, and each task's own completion callback on the task.
        var deliveries = spec is not null && TaskEventCallbacks.AnySubscription(spec)
            ? (await callbacks.ListForWorkflowAsync(id, context.CancellationToken)).Where(d => d.TaskId is not null).ToList()
            : null;
        var byId = deliveries?.ToDictionary(d => d.DeliveryId, StringComparer.Ordinal);
        var tasks = (spec?.Tasks ?? []).Select(t => (indexed.TryGetValue(t.TaskId!, out var entry)
            ? TaskView.From(entry)
            : TaskView.Pending(id, t, instance.CreatedAt)) with { Callback = OwnCallbackState(id, t, byId) }).ToList();
        return ApiResults.Json(new WorkflowView(
            id,
            WorkflowStatusOf(instance, counts, cancelled),
            instance.RuntimeStatus.ToString(),
            instance.CreatedAt,
            instance.LastUpdatedAt,
            counts,
            tasks,
            instance.FailureDetails?.ErrorMessage,
            report?.Compensations is { Count: > 0 } compensations ? compensations : null,
            await CallbackStateView.ForAsync(callbacks, id, spec?.Callback, context.CancellationToken, indexed.Values.Sum(e => e.Redrives)),
            deliveries is null ? null : CallbackSummary.Of(deliveries)));
    }

    /// <summary>The state of a task's own completion callback: stored, or pending until the task ends; null without one.</summary>
    private static CallbackStateView? OwnCallbackState(string workflowId, TaskSpec task, Dictionary<string, CallbackRecord>? deliveries)
    {
        if (task.Callback is not { } callback || !callback.EffectiveEvents.Contains(CallbackEventKind.Completed))
        {
            return null;
        }

        var record = deliveries?.GetValueOrDefault(TaskEventCallbacks.OwnDeliveryId(workflowId, task.TaskId!, "completed"))
            ?? deliveries?.GetValueOrDefault(CallbackKeys.LegacyOwnTaskEvent(workflowId, task.TaskId!, "completed"));
        return record is not null
            ? CallbackStateView.From(record)
            : new CallbackStateView(CallbackDeliveryStatus.Pending, callback.Url, "completed", null, 0, null, null);
    }

    /// <summary>
    /// <c>POST /api/workflows/{id}/tasks/{task_id}/rerun</c>: reruns a workflow's failed (or cancelled) task and its
    /// skipped dependents; completed tasks keep their results. 202 with the workflow's status URLs and <c>rerun</c>
    /// (<c>started</c>, or <c>queued</c> while the workflow still runs: it starts when that run ends); 404 for an unknown
    /// workflow or task; 409 (problem JSON naming the task's status) when the task is not failed or cancelled.
    /// </summary>
    [Function(nameof(RerunWorkflowTask))]
    public async Task<IActionResult> RerunWorkflowTask(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "workflows/{id}/tasks/{taskId}/rerun")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string id,
        string taskId,
        FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var result = await new DeadLetters.WorkflowRerun(index).RerunAsync(client, id, taskId, context.CancellationToken);
        return result.Outcome switch
        {
            DeadLetters.RedriveOutcome.Started or DeadLetters.RedriveOutcome.Queued => IdempotentStart.StatusUrls(
                request, client, id, $"/api/workflows/{Uri.EscapeDataString(id)}", taskId: null,
                rerun: new RerunView(taskId, result.Entry!.Redrives, result.Outcome == DeadLetters.RedriveOutcome.Queued ? "queued" : "started")),
            DeadLetters.RedriveOutcome.NotFound => ApiResults.Problem(404, "Not Found", result.Message!),
            _ => ApiResults.Problem(409, "Conflict", result.Message!,
                new[] { new { code = "not_rerunnable", task_id = taskId, status = result.Entry is { } entry ? DeadLetters.TaskRedrive.Name(entry.Status) : "pending" } }),
        };
    }

    /// <summary><c>POST /api/workflows/{id}/cancel</c>: stops dispatching; unfinished tasks become cancelled.</summary>
    [Function(nameof(CancelWorkflow))]
    public static async Task<IActionResult> CancelWorkflow(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "workflows/{id}/cancel")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string id,
        FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var reason = request.Query["reason"].FirstOrDefault() ?? "cancelled by client";
        return await ControlAsync(client, id, c => c.RaiseEventAsync(id, WorkflowOrchestrator.CancelEvent, reason, context.CancellationToken), context.CancellationToken);
    }

    /// <summary><c>POST /api/workflows/{id}/events/{name}</c>: raises an event (e.g. <c>approval:{task_id}</c>) with the JSON body.</summary>
    [Function(nameof(RaiseWorkflowEvent))]
    public static async Task<IActionResult> RaiseWorkflowEvent(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "workflows/{id}/events/{name}")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string id,
        string name,
        FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        JsonElement? payload = null;
        if (request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            var (body, problem) = await JsonBody.ReadAsync<JsonElementBox>(request, context.CancellationToken);
            if (problem is not null)
            {
                return problem;
            }

            payload = body!.Value;
        }

        return await ControlAsync(client, id, c => c.RaiseEventAsync(id, name, payload, context.CancellationToken), context.CancellationToken);
    }

    /// <summary><c>POST /api/workflows/{id}/suspend</c>.</summary>
    [Function(nameof(SuspendWorkflow))]
    public static Task<IActionResult> SuspendWorkflow(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "workflows/{id}/suspend")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string id,
        FunctionContext context) =>
        ControlAsync(client, id, c => c.SuspendInstanceAsync(id, request?.Query["reason"].FirstOrDefault(), context.CancellationToken), context.CancellationToken);

    /// <summary><c>POST /api/workflows/{id}/resume</c>.</summary>
    [Function(nameof(ResumeWorkflow))]
    public static Task<IActionResult> ResumeWorkflow(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "workflows/{id}/resume")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string id,
        FunctionContext context) =>
        ControlAsync(client, id, c => c.ResumeInstanceAsync(id, request?.Query["reason"].FirstOrDefault(), context.CancellationToken), context.CancellationToken);

    private static async Task<IActionResult> ControlAsync(DurableTaskClient client, string id, Func<DurableTaskClient, Task> action, CancellationToken cancellation)
    {
        var instance = await client.GetInstanceAsync(id, getInputsAndOutputs: false, cancellation);
        if (instance is null || !DeadLetters.WorkflowRerunOrchestrator.IsWorkflow(instance.Name))
        {
            return ApiResults.Problem(404, "Not Found", $"No workflow with id '{id}'.");
        }

        if (instance.IsCompleted)
        {
            return ApiResults.Problem(409, "Conflict", $"Workflow '{id}' already finished ({instance.RuntimeStatus}).");
        }

        await action(client);
        return new AcceptedResult();
    }

    private IActionResult? Validate(WorkflowSpec spec)
    {
        var result = _validator.Validate(spec, time.GetUtcNow());
        var problems = result.Problems.ToList();
        // Any task type that is not built in is valid: it waits for an external worker offering it (TaskTypes.IsExternal).
        if (problems.Count == 0)
        {
            return null;
        }

        var (status, title) = ProblemStatus.For(problems);
        return ApiResults.Problem(status, title, $"The workflow is invalid: {problems[0].Message}",
            problems.Select(p => new { code = p.Code, message = p.Message, task_ids = p.TaskIds }).ToList());
    }

    /// <summary>Fills in a workflow id (random) and missing task ids (by position, so a resubmission matches).</summary>
    private static WorkflowSpec WithIds(WorkflowSpec spec)
    {
        var tasks = (spec.Tasks ?? []).Select((t, i) => t is null ? null! : string.IsNullOrEmpty(t.TaskId)
            ? t with { TaskId = string.Create(CultureInfo.InvariantCulture, $"task-{i + 1}") }
            : t).ToList();
        return spec with { WorkflowId = string.IsNullOrEmpty(spec.WorkflowId) ? Guid.NewGuid().ToString("N") : spec.WorkflowId, Tasks = tasks };
    }

    private static WorkflowStatus WorkflowStatusOf(OrchestrationMetadata instance, WorkflowCounts? counts, bool cancelled) => instance.RuntimeStatus switch
    {
        OrchestrationRuntimeStatus.Pending => WorkflowStatus.Pending,
        OrchestrationRuntimeStatus.Running => WorkflowStatus.Running,
        OrchestrationRuntimeStatus.Suspended => WorkflowStatus.Suspended,
        OrchestrationRuntimeStatus.Completed when cancelled => WorkflowStatus.Cancelled,
        OrchestrationRuntimeStatus.Completed when counts?.Failed > 0 => WorkflowStatus.Failed,
        OrchestrationRuntimeStatus.Completed => WorkflowStatus.Completed,
        OrchestrationRuntimeStatus.Terminated => WorkflowStatus.Cancelled,
        _ => WorkflowStatus.Failed,
    };
}
