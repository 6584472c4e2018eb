using DurableTask.Core.Exceptions;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using ServerlessTasks.Functions.Contracts;

namespace ServerlessTasks.Functions.Http;

/// <summary>
/// Starts an orchestration whose instance id is the client's idempotency key. The store's atomic create
/// decides a race: the winner answers 202; a later submission with the same body answers 200 with the same
/// URLs; one with a different body answers 409. Both submit endpoints (workflows, single tasks) use it.
/// </summary>
public static class IdempotentStart
{
    private static readonly OrchestrationRuntimeStatus[] AnyStatus = Enum.GetValues<OrchestrationRuntimeStatus>();

    /// <summary>Starts <paramref name="orchestrator"/> with <paramref name="input"/> as <paramref name="instanceId"/>, idempotently.</summary>
    /// <param name="request">The submitting request (origin of the status URL; gets the <c>Location</c> header).</param>
    /// <param name="client">The durable client.</param>
    /// <param name="orchestrator">The orchestrator to start.</param>
    /// <param name="instanceId">The instance id (idempotency key).</param>
    /// <param name="input">The submission; compared as JSON with a stored one on a repeat.</param>
    /// <param name="statusPath">The path of our own status endpoint, e.g. <c>/api/workflows/{id}</c>.</param>
    /// <param name="what">What the key names, for the 409 message (e.g. <c>Workflow 'x'</c>).</param>
    /// <param name="taskId">The task id, for single-task submissions.</param>
    /// <param name="cancellation">Cancels the call.</param>
    /// <param name="priority">The submission's priority (1-10), tagged on the instance so the task hub dispatches it (and
    /// the activities it schedules) ahead of lower priorities where the backend supports it; null: untagged.</param>
    /// <param name="sameSubmission">Whether a stored input and this one are the same submission; by default equal JSON.
    /// An input holding times computed at submit (an order's deadline) compares what the client sent instead.</param>
    public static async Task<IActionResult> StartAsync<TInput>(
        HttpRequest request,
        DurableTaskClient client,
        string orchestrator,
        string instanceId,
        TInput input,
        string statusPath,
        string what,
        string? taskId,
        CancellationToken cancellation,
        int? priority = null,
        Func<TInput?, TInput, bool>? sameSubmission = null)
        where TInput : class
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(client);
        var status = StatusCodes.Status202Accepted;
        // A key with a tenant claims the id first; another tenant's id (or one created without a tenant) is a conflict
        // that says nothing of that submission. Ids are global, so the first owner keeps the id.
        var claim = await Security.TenantScope.ClaimAsync(request.HttpContext, TaskIndex.TenantResource.Instance, instanceId, cancellation);
        if (claim is not null && claim.Owner != Security.TenantScope.TenantOf(request.HttpContext))
        {
            return ApiResults.Problem(409, "Conflict", $"{what} already exists.");
        }

        try
        {
            var options = priority is { } p
                ? new StartOrchestrationOptions(instanceId) { Tags = Orchestration.OrchestrationDefaults.PriorityTags(p) }
                : new StartOrchestrationOptions(instanceId);
            await client.ScheduleNewOrchestrationInstanceAsync(orchestrator, input, options.WithDedupeStatuses(AnyStatus), cancellation);
        }
        catch (OrchestrationAlreadyExistsException)
        {
            if (claim is { Created: true })
            {
                // Created before by a key without a tenant: this tenant's fresh claim must not make it the owner.
                await Security.TenantScope.ReleaseAsync(request.HttpContext, TaskIndex.TenantResource.Instance, instanceId, CancellationToken.None);
                return ApiResults.Problem(409, "Conflict", $"{what} already exists.");
            }

            // The id is taken: the same submission again is answered with the existing instance.
            var existing = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: true, cancellation);
            var same = sameSubmission ?? SameJson;

            if (existing is null || !same(existing.ReadInputAs<TInput>(), input))
            {
                return ApiResults.Problem(409, "Conflict", $"{what} already exists with a different body.");
            }

            status = StatusCodes.Status200OK;
        }

        return StatusUrls(request, client, instanceId, statusPath, taskId, status);
    }

    /// <summary>
    /// The status URLs of <paramref name="instanceId"/> as a submission answers them (<c>Location</c> set), with
    /// <paramref name="status"/>: also the answer of a redrive or rerun, which starts a new run of the same instance.
    /// </summary>
    /// <param name="request">The request (origin of the status URL; gets the <c>Location</c> header).</param>
    /// <param name="client">The durable client.</param>
    /// <param name="instanceId">The instance.</param>
    /// <param name="statusPath">The path of our own status endpoint.</param>
    /// <param name="taskId">The task id, for single tasks.</param>
    /// <param name="status">The status code.</param>
    /// <param name="rerun">For a workflow rerun, what became of it (started or queued).</param>
    public static IActionResult StatusUrls(HttpRequest request, DurableTaskClient client, string instanceId, string statusPath, string? taskId, int status = StatusCodes.Status202Accepted, RerunView? rerun = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(client);
        var urls = client.CreateHttpManagementPayload(instanceId);
        request.HttpContext.Response.Headers.Location = urls.StatusQueryGetUri;
        var body = new CheckStatusBody(
            instanceId,
            urls.StatusQueryGetUri,
            urls.SendEventPostUri,
            urls.TerminatePostUri,
            urls.PurgeHistoryDeleteUri,
            urls.RestartPostUri,
            urls.SuspendPostUri,
            urls.ResumePostUri,
            $"{request.Scheme}://{request.Host}{statusPath}")
        {
            TaskId = taskId,
            Rerun = rerun,
        };
        return new ContentResult
        {
            StatusCode = status,
            ContentType = "application/json; charset=utf-8",
            Content = JsonSerializer.Serialize(body, CheckStatusBody.JsonOptions),
        };
    }

    private static bool SameJson<T>(T? stored, T submitted) =>
        stored is not null && JsonNode.DeepEquals(
            JsonSerializer.SerializeToNode(stored, ApiJson.Options),
            JsonSerializer.SerializeToNode(submitted, ApiJson.Options));
}
