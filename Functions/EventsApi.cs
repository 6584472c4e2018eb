using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;
using ServerlessTasks.Domain.Clock;
using ServerlessTasks.Functions.Contracts;
using ServerlessTasks.Functions.Http;
using ServerlessTasks.TaskIndex;

namespace ServerlessTasks.Functions;

/// <summary>
/// The event journal over HTTP: a workflow's or a task's events in HLC order, and a server-sent-events stream
/// of every event (optionally of one workflow) for dashboards.
/// </summary>
public sealed class EventsApi(ITaskEventJournal journal, TimeProvider time, IConfiguration configuration)
{
    private const int PageSize = 500;

    /// <summary><c>GET /api/workflows/{id}/events</c>: the workflow's task events ordered by HLC.</summary>
    [Function(nameof(GetWorkflowEvents))]
    public async Task<IActionResult> GetWorkflowEvents(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "workflows/{id}/events")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string id,
        FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(context);
        var events = await journal.ListWorkflowEventsAsync(id, context.CancellationToken);
        if (events.Count == 0 && await client.GetInstanceAsync(id, getInputsAndOutputs: false, context.CancellationToken) is null)
        {
            return ApiResults.Problem(404, "Not Found", $"No workflow with id '{id}'.");
        }

        return ApiResults.Json(new TaskEventList(id, null, [.. events.Select(TaskEventView.From)]));
    }

    /// <summary>
    /// <c>GET /api/tasks/{task_id}/events?workflow_id=</c>: one task's events ordered by HLC; the task submitted on its
    /// own unless <c>workflow_id</c> names the workflow it belongs to.
    /// </summary>
    [Function(nameof(GetTaskEvents))]
    public async Task<IActionResult> GetTaskEvents(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "tasks/{taskId}/events")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string taskId,
        FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(context);
        var workflowId = request.Query["workflow_id"].FirstOrDefault() is { Length: > 0 } named ? named : TaskIndexEntry.SingleTaskWorkflowId(taskId);
        var events = await journal.ListTaskEventsAsync(workflowId, taskId, context.CancellationToken);
        if (events.Count == 0 && await client.GetInstanceAsync(workflowId, getInputsAndOutputs: false, context.CancellationToken) is null)
        {
            return ApiResults.Problem(404, "Not Found", $"No task '{taskId}' in '{workflowId}'.");
        }

        return ApiResults.Json(new TaskEventList(workflowId, taskId, [.. events.Select(TaskEventView.From)]));
    }

    /// <summary>
    /// <c>GET /api/events/stream?workflow_id=</c>: <c>text/event-stream</c> of task events in HLC order. Each event's
    /// <c>id:</c> is its stamp, so a reconnect with <c>Last-Event-ID</c> (or <c>?last_event_id=</c>) resumes after it.
    /// An event is sent once its stamp is older than <c>Events:StreamSettle</c> (default 1 s), which gives batches
    /// written a little late the time to land, so the stream stays in stamp order. Comments keep the connection alive
    /// every <c>Events:KeepAlive</c> (default 15 s); the stream ends when the client disconnects or the host stops.
    /// </summary>
    [Function(nameof(StreamEvents))]
    public async Task<IActionResult> StreamEvents(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "events/stream")] HttpRequest request,
        FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var resumeFrom = request.Headers["Last-Event-ID"].FirstOrDefault() is { Length: > 0 } header ? header : request.Query["last_event_id"].FirstOrDefault();
        HlcTimestamp? cursor = null;
        if (!string.IsNullOrEmpty(resumeFrom))
        {
            if (!HlcTimestamp.TryParse(resumeFrom, out var parsed))
            {
                return ApiResults.Problem(400, "Bad Request", "Last-Event-ID must be an HLC stamp sent as an event id by this stream.");
            }

            cursor = parsed;
        }

        var workflowId = request.Query["workflow_id"].FirstOrDefault() is { Length: > 0 } wf ? wf : null;
        var settle = Setting("Events:StreamSettle", TimeSpan.FromSeconds(1));
        var keepAlive = Setting("Events:KeepAlive", TimeSpan.FromSeconds(15));
        var poll = Setting("Events:StreamPoll", TimeSpan.FromMilliseconds(200));
        // A tenant's key streams its own workflows' events alone (the set is read again when an unknown workflow appears).
        var owned = await Security.TenantScope.OwnedAsync(request.HttpContext, TenantResource.Instance, context.CancellationToken);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(request.HttpContext.RequestAborted, context.CancellationToken);
        var response = request.HttpContext.Response;
        response.StatusCode = 200;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        using var wake = new SemaphoreSlim(0);
        void OnAppended()
        {
            if (wake.CurrentCount == 0)
            {
                wake.Release();
            }
        }

        journal.Appended += OnAppended;
        try
        {
            await WriteAsync(response, ": stream of task events\nretry: 1000\n\n", stop.Token);
            var lastWrite = time.GetUtcNow();
            while (!stop.IsCancellationRequested)
            {
                var settledMs = HlcRulesPhysical(time.GetUtcNow() - settle);
                var upTo = HlcTimestamp.FromPacked((ulong)(settledMs + 1) << 16); // every stamp of a settled millisecond
                var events = await journal.ReadAfterAsync(cursor, upTo, workflowId, PageSize, stop.Token);
                if (owned is not null && events.Any(e => !owned.Contains(e.WorkflowId)))
                {
                    owned = await Security.TenantScope.OwnedAsync(request.HttpContext, TenantResource.Instance, stop.Token);
                }

                if (events.Count > 0)
                {
                    var text = new StringBuilder();
                    foreach (var e in events.Where(e => owned is null || owned.Contains(e.WorkflowId)))
                    {
                        text.Append("id: ").Append(e.Hlc.ToString()).Append("\nevent: task\ndata: ")
                            .Append(JsonSerializer.Serialize(TaskEventView.From(e), ApiJson.Options)).Append("\n\n");
                    }

                    await WriteAsync(response, text.ToString(), stop.Token);
                    cursor = events[^1].Hlc;
                    lastWrite = time.GetUtcNow();
                    if (events.Count == PageSize)
                    {
                        continue;
                    }
                }
                else if (time.GetUtcNow() - lastWrite >= keepAlive)
                {
                    await WriteAsync(response, ": keep-alive\n\n", stop.Token);
                    lastWrite = time.GetUtcNow();
                }

                // Wake on an append or after the poll interval (events become sendable as they settle).
                using var nap = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
                nap.CancelAfter(poll);
                try
                {
                    await wake.WaitAsync(nap.Token);
                }
                catch (OperationCanceledException) when (!stop.IsCancellationRequested)
                {
                    // The poll interval passed.
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The client went away or the host is stopping: a clean end of the stream.
        }
        catch (IOException) when (request.HttpContext.RequestAborted.IsCancellationRequested)
        {
            // Writing to a connection the client closed.
        }
        finally
        {
            journal.Appended -= OnAppended;
        }

        return new EmptyResult();
    }

    private static long HlcRulesPhysical(DateTimeOffset time) => Math.Max(0, time.ToUnixTimeMilliseconds());

    private static async Task WriteAsync(HttpResponse response, string text, CancellationToken cancellation)
    {
        await response.Body.WriteAsync(Encoding.UTF8.GetBytes(text), cancellation);
        await response.Body.FlushAsync(cancellation);
    }

    private TimeSpan Setting(string key, TimeSpan fallback) =>
        configuration[key] is { Length: > 0 } text ? TimeSpan.Parse(text, CultureInfo.InvariantCulture) : fallback;
}
