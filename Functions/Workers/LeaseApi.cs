using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using ServerlessTasks.Activities.Workers;
using ServerlessTasks.Functions.Http;
using ServerlessTasks.TaskIndex;

namespace ServerlessTasks.Functions.Workers;

/// <summary>
/// The lease endpoints (DESIGN.md section 4): lease with long-polling, then complete, fail or renew by lease token.
/// A wrong, expired or superseded token gets 409 and changes nothing; the same token completing again gets 200 and
/// changes nothing either (a worker retrying after a lost response). A lease call the worker drops (it stops waiting,
/// or shuts down) is not an error: it is logged at information, and leases taken for it are given back to the queue.
/// </summary>
public sealed partial class LeaseApi(WorkQueue queue, OutcomeDelivery delivery, ILogger<LeaseApi> logger)
{
    /// <summary>Most tasks one lease call takes.</summary>
    public const int MaxTasksLimit = 100;

    /// <summary><c>POST /api/workers/{worker_id}/lease</c>: up to <c>max_tasks</c> tasks, highest effective priority first, waiting up to <c>wait_seconds</c>.</summary>
    [Function(nameof(LeaseTasks))]
    public async Task<IActionResult> LeaseTasks(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "workers/{workerId}/lease")] HttpRequest request,
        string workerId,
        FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var body = new LeaseBody(null, null);
        if (request.ContentLength is not 0)
        {
            var (read, problem) = await JsonBody.ReadAsync<LeaseBody>(request, context.CancellationToken);
            if (problem is not null)
            {
                return problem;
            }

            body = read!;
        }

        var maxTasks = body.MaxTasks ?? 1;
        if (maxTasks is < 1 or > MaxTasksLimit)
        {
            return WorkerApi.Invalid("max_tasks", $"max_tasks must be a whole number from 1 to {MaxTasksLimit}.");
        }

        var waitSeconds = body.WaitSeconds ?? 0;
        if (waitSeconds < 0 || waitSeconds > queue.Settings.MaxLeaseWait.TotalSeconds || double.IsNaN(waitSeconds))
        {
            return WorkerApi.Invalid("wait_seconds", $"wait_seconds must be a number from 0 to {queue.Settings.MaxLeaseWait.TotalSeconds}.");
        }

        IReadOnlyList<ExternalTaskRecord> leased;
        try
        {
            if (await queue.LeaseAsync(workerId, maxTasks, TimeSpan.FromSeconds(waitSeconds), context.CancellationToken) is not { } found)
            {
                return WorkerApi.UnknownWorker(workerId);
            }

            leased = found;
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            // Dropped while waiting: nothing was leased (a lease step that started completes and returns first).
            LogDropped(logger, workerId, 0);
            return ApiResults.Json(new LeaseView([]));
        }

        if (leased.Count > 0 && context.CancellationToken.IsCancellationRequested)
        {
            // Dropped after the lease step: the answer cannot reach the worker, so the tasks wait again, same attempt.
            // (A drop noticed only after this point leaves the lease to expire: the proctor re-queues it then.)
            var returned = await queue.Store.ReturnAsync(workerId, [.. leased.Select(t => t.LeaseToken!)], CancellationToken.None);
            queue.Signal();
            LogDropped(logger, workerId, returned);
            return ApiResults.Json(new LeaseView([]));
        }

        return ApiResults.Json(new LeaseView([.. leased.Select(LeasedTaskView.From)]));
    }

    /// <summary><c>POST /api/leases/{lease_token}/complete</c> <c>{worker_id, result}</c>.</summary>
    [Function(nameof(CompleteLease))]
    public async Task<IActionResult> CompleteLease(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "leases/{leaseToken}/complete")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string leaseToken,
        FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (body, problem) = await JsonBody.ReadAsync<CompleteBody>(request, context.CancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        return WorkerApi.CheckWorkerId(body!.WorkerId)
            ?? await ForeignWorkerAsync(request, body.WorkerId!, context.CancellationToken)
            ?? await FinishAsync(client, leaseToken, body.WorkerId!, lease => queue.DescribeOutcome(lease, true, body.Result, null, false), "completed", context.CancellationToken);
    }

    /// <summary><c>POST /api/leases/{lease_token}/fail</c> <c>{worker_id, error, retryable?}</c>.</summary>
    [Function(nameof(FailLease))]
    public async Task<IActionResult> FailLease(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "leases/{leaseToken}/fail")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string leaseToken,
        FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (body, problem) = await JsonBody.ReadAsync<FailBody>(request, context.CancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if ((WorkerApi.CheckWorkerId(body!.WorkerId) ?? await ForeignWorkerAsync(request, body.WorkerId!, context.CancellationToken)) is { } badId)
        {
            return badId;
        }

        if (string.IsNullOrWhiteSpace(body.Error))
        {
            return WorkerApi.Invalid("error", "error must be a non-empty string saying why the task failed.");
        }

        var retryable = body.Retryable ?? true;
        return await FinishAsync(client, leaseToken, body.WorkerId!, lease => queue.DescribeOutcome(lease, false, null, body.Error, retryable), "failed", context.CancellationToken);
    }

    /// <summary><c>POST /api/leases/{lease_token}/renew</c> <c>{worker_id}</c>: the lease runs another lease timeout from now.</summary>
    [Function(nameof(RenewLease))]
    public async Task<IActionResult> RenewLease(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "leases/{leaseToken}/renew")] HttpRequest request,
        string leaseToken,
        FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (body, problem) = await JsonBody.ReadAsync<RenewBody>(request, context.CancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if ((WorkerApi.CheckWorkerId(body!.WorkerId) ?? await ForeignWorkerAsync(request, body.WorkerId!, context.CancellationToken)) is { } badId)
        {
            return badId;
        }

        var now = queue.Now;
        var verdict = await queue.Store.RenewAsync(leaseToken, body.WorkerId!, now, now + queue.Settings.LeaseTimeout, context.CancellationToken);
        return verdict.Kind == LeaseVerdictKind.Accepted
            ? ApiResults.Json(new LeaseOutcomeView(verdict.Task!.TaskId, ShownWorkflow(verdict.Task), "running", verdict.Task.Attempt, verdict.Task.LeaseExpiresAt))
            : Refused(verdict);
    }

    private async Task<IActionResult> FinishAsync(DurableTaskClient client, string leaseToken, string workerId, Func<ExternalTaskRecord, string> outcome, string status, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(client);
        var verdict = await queue.Store.FinishAsync(leaseToken, workerId, outcome, queue.Now, cancellation);
        if (verdict.Kind is not (LeaseVerdictKind.Accepted or LeaseVerdictKind.Repeated))
        {
            return Refused(verdict);
        }

        // The store's finish is the commit; the event to the orchestration follows (again, for a repeat not yet delivered).
        var task = verdict.Task!;
        if (task.State == Domain.Workers.ExternalTaskState.Finished)
        {
            await delivery.DeliverAsync(client, task, cancellation);
        }

        var shown = verdict.Kind == LeaseVerdictKind.Repeated ? (WorkQueue.OutcomeOf(task)?.Succeeded == true ? "completed" : "failed") : status;
        return ApiResults.Json(new LeaseOutcomeView(task.TaskId, ShownWorkflow(task), shown, task.Attempt));
    }

    /// <summary>
    /// A tenant's key acts only for its own workers: another worker id is answered as a token that is not a current
    /// lease (the same 409 a wrong token gets), so it tells nothing of other tenants' workers or leases.
    /// </summary>
    private static async Task<IActionResult?> ForeignWorkerAsync(HttpRequest request, string workerId, CancellationToken cancellation) =>
        await Security.TenantScope.IsForeignAsync(request.HttpContext, TenantResource.Worker, workerId, cancellation)
            ? Refused(new LeaseVerdict(LeaseVerdictKind.Unknown, null))
            : null;

    private static string? ShownWorkflow(ExternalTaskRecord task) => task.WorkflowId.StartsWith("task:", StringComparison.Ordinal) ? null : task.WorkflowId;

    [LoggerMessage(EventId = 1010, Level = LogLevel.Information, Message = "Lease call of worker {WorkerId} dropped by the client; {Returned} leases taken for it went back to the queue")]
    private static partial void LogDropped(ILogger logger, string workerId, int returned);

    private static IActionResult Refused(LeaseVerdict verdict) => verdict.Kind switch
    {
        LeaseVerdictKind.WrongWorker => ApiResults.Problem(409, "Conflict", "The lease_token is held by another worker than worker_id; nothing was changed."),
        LeaseVerdictKind.Expired => ApiResults.Problem(409, "Conflict", "The lease expired (renew before lease_expires_at, or heartbeat); nothing was changed. The task goes back to the queue."),
        _ => ApiResults.Problem(409, "Conflict", "The lease_token is not a current lease: wrong, superseded after the task was re-queued, or the task was withdrawn; nothing was changed."),
    };
}
