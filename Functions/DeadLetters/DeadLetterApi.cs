using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using ServerlessTasks.Domain.Model;
using ServerlessTasks.Functions.Http;
using ServerlessTasks.TaskIndex;

namespace ServerlessTasks.Functions.DeadLetters;

/// <summary>
/// Task dead letters: single tasks (<c>POST /api/tasks</c>) that failed after their retries. Listed under
/// <c>/api/dead-letters/tasks</c> (beside <c>GET /api/tasks?status=failed</c>; a route under <c>/api/tasks/</c> would
/// collide with a task id), redriven one at a time (<c>POST /api/tasks/{task_id}/redrive</c>) or by filter.
/// </summary>
public sealed class DeadLetterApi(ITaskIndex index)
{
    /// <summary>Largest page and largest filtered redrive.</summary>
    public const int MaxLimit = 1000;

    private readonly TaskRedrive _redrive = new(index);

    /// <summary>
    /// <c>POST /api/tasks/{task_id}/redrive</c>: runs a dead-lettered task again. 202 with its status URLs; 404 when
    /// unknown; 409 (problem JSON naming its status) when it is not failed, or another redrive started it.
    /// </summary>
    [Function(nameof(RedriveTask))]
    public async Task<IActionResult> RedriveTask(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "tasks/{taskId}/redrive")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string taskId,
        FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var result = await _redrive.RedriveAsync(client, taskId, context.CancellationToken);
        return result.Outcome switch
        {
            RedriveOutcome.Started => IdempotentStart.StatusUrls(
                request, client, TaskIndexEntry.SingleTaskWorkflowId(taskId), StatusPath(taskId), taskId),
            RedriveOutcome.NotFound => ApiResults.Problem(404, "Not Found", result.Message!),
            _ => Refused(result),
        };
    }

    /// <summary>
    /// <c>GET /api/dead-letters/tasks?task_type=&amp;failed_since=&amp;failed_until=&amp;limit=&amp;offset=</c>: the failed
    /// single tasks, oldest submission first, with their last error, attempts, failure time and redrive count.
    /// </summary>
    [Function(nameof(ListTaskDeadLetters))]
    public async Task<IActionResult> ListTaskDeadLetters(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "dead-letters/tasks")] HttpRequest request,
        FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        if (!TryTime(request.Query["failed_since"], out var since) || !TryTime(request.Query["failed_until"], out var until))
        {
            return ApiResults.Problem(400, "Bad Request", "failed_since and failed_until must be ISO 8601 times with an offset (e.g. 2026-12-01T18:00:00Z).");
        }

        if (!TryInt(request.Query["limit"], 100, 1, MaxLimit, out var limit) || !TryInt(request.Query["offset"], 0, 0, int.MaxValue, out var offset))
        {
            return ApiResults.Problem(400, "Bad Request", $"limit must be 1-{MaxLimit} and offset 0 or more.");
        }

        var filter = new RedriveFilter(request.Query["task_type"].FirstOrDefault() is { Length: > 0 } type ? type : null, since, until);
        var all = await DeadLettersAsync(filter, context.CancellationToken);
        var origin = Origin(request);
        return ApiResults.Json(new DeadLetterPage([.. all.Skip(offset).Take(limit).Select(e => DeadLetterView.From(e, origin))], all.Count, limit, offset));
    }

    /// <summary>
    /// <c>POST /api/dead-letters/tasks/redrive {task_type?, failed_since?, failed_until?, limit?}</c>: redrives the
    /// matching dead letters (oldest first, at most <c>limit</c>, default 100); 202 (as the callbacks' redrive) with the
    /// tasks it started again and those it matched but did not start (another redrive got there first).
    /// </summary>
    [Function(nameof(RedriveTaskDeadLetters))]
    public async Task<IActionResult> RedriveTaskDeadLetters(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "dead-letters/tasks/redrive")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(context);
        var (filter, problem) = await JsonBody.ReadAsync<RedriveFilter>(request, context.CancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (filter!.Limit is { } limit and (< 1 or > MaxLimit))
        {
            return ApiResults.Problem(422, "Unprocessable Entity", $"limit must be 1-{MaxLimit}.",
                new[] { new { field = "limit", message = $"must be 1-{MaxLimit}", value = limit } });
        }

        if (filter.FailedSince is { } since && filter.FailedUntil is { } until && since > until)
        {
            return ApiResults.Problem(422, "Unprocessable Entity", "failed_since must not be after failed_until.",
                new[] { new { field = "failed_since", message = "must not be after failed_until", value = (object)since } });
        }

        var matched = (await DeadLettersAsync(filter, context.CancellationToken)).Take(filter.Limit ?? 100).ToList();
        var redriven = new List<RedrivenTask>();
        var refused = new List<RefusedRedrive>();
        var origin = Origin(request);
        foreach (var entry in matched)
        {
            var result = await _redrive.RedriveAsync(client, entry.TaskId, context.CancellationToken);
            if (result.Outcome == RedriveOutcome.Started)
            {
                var urls = client.CreateHttpManagementPayload(entry.WorkflowId);
                redriven.Add(new RedrivenTask(entry.TaskId, result.Entry!.Redrives, origin + StatusPath(entry.TaskId), urls.StatusQueryGetUri));
            }
            else
            {
                refused.Add(new RefusedRedrive(entry.TaskId, result.Entry is { } now ? TaskRedrive.Name(now.Status) : null, result.Message!));
            }
        }

        return ApiResults.Json(new RedriveReport(redriven, refused), 202);
    }

    /// <summary>The failed single tasks matching <paramref name="filter"/> (its limit aside), oldest first.</summary>
    private async Task<List<TaskIndexEntry>> DeadLettersAsync(RedriveFilter filter, CancellationToken cancellation)
    {
        // The index has no filter by kind or type: read its failed rows in pages (cost linear in failed tasks).
        const int ScanPage = 1000;
        var matched = new List<TaskIndexEntry>();
        for (var position = 0; ; position += ScanPage)
        {
            var page = await index.ListAsync(WorkflowTaskStatus.Failed, ScanPage, position, cancellation);
            matched.AddRange(page.Items.Where(e =>
                e.WorkflowId == TaskIndexEntry.SingleTaskWorkflowId(e.TaskId)
                && (filter.TaskType is null || string.Equals(e.TaskType, filter.TaskType, StringComparison.OrdinalIgnoreCase))
                && (filter.FailedSince is not { } since || e.CompletedAt >= since)
                && (filter.FailedUntil is not { } until || e.CompletedAt <= until)));
            if (page.Items.Count < ScanPage)
            {
                return matched;
            }
        }
    }

    private static IActionResult Refused(RedriveResult result) =>
        ApiResults.Problem(409, "Conflict", result.Message!,
            new[] { new { code = "not_failed", status = result.Entry is { } entry ? TaskRedrive.Name(entry.Status) : "pending" } });

    private static string StatusPath(string taskId) => $"/api/tasks/{Uri.EscapeDataString(taskId)}";

    private static string Origin(HttpRequest request) => $"{request.Scheme}://{request.Host}";

    private static bool TryTime(Microsoft.Extensions.Primitives.StringValues value, out DateTimeOffset? time)
    {
        time = null;
        if (string.IsNullOrEmpty(value))
        {
            return true;
        }

        if (DateTimeOffset.TryParse(value.ToString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
        {
            time = parsed;
            return true;
        }

        return false;
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
