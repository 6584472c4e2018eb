using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Infrastructure;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ServerlessTasks.Functions;

/// <summary>
/// Submissions from the storage queue <c>task-submissions</c>: the same JSON as <c>POST /api/workflows</c> (an object
/// with <c>tasks</c>) or <c>POST /api/tasks</c> (an object with <c>task_type</c>), handled by those very endpoints,
/// so validation and idempotency by id are the same.
/// </summary>
/// <remarks>
/// <para>A message that can never be a submission (not UTF-8 JSON, not an object, neither shape, rejected by the
/// strict reader as 400/413/415) goes to <c>task-submissions-poison</c> at once, through this function's queue
/// output, and the original is deleted: retrying it would only burn dequeues. The copy is returned as bytes, so it
/// is the message exactly as submitted: the Functions host writes a string output that is a JSON array as one message
/// per element (and re-serializes JSON text), bytes as they are.</para>
/// <para>A well-formed submission that is refused (422 invalid, 409 same id with another body) or that fails on the
/// way (a store error) throws, so the host makes it visible again and, after <c>maxDequeueCount</c> deliveries,
/// moves it to the poison queue itself: a single task's unknown dependency may be submitted meanwhile.</para>
/// </remarks>
public sealed partial class SubmissionReactor(ILogger<SubmissionReactor> logger)
{
    /// <summary>The queue submissions arrive on.</summary>
    public const string QueueName = "task-submissions";

    /// <summary>Where submissions that cannot be accepted end.</summary>
    public const string PoisonQueueName = QueueName + "-poison";

    /// <summary>The queue trigger; returns the message (its UTF-8 bytes) to park in the poison queue, or null when it was accepted.</summary>
    [Function(nameof(ReactToSubmission))]
    [QueueOutput(PoisonQueueName)]
    public async Task<byte[]?> ReactToSubmission(
        [QueueTrigger(QueueName)] string message,
        [DurableClient] DurableTaskClient client,
        FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var kind = ShapeOf(message);
        if (kind is null)
        {
            LogParked(logger, "neither a workflow (tasks) nor a task (task_type) JSON object");
            return Encoding.UTF8.GetBytes(message);
        }

        var http = new DefaultHttpContext { RequestServices = context.InstanceServices };
        http.Request.Method = HttpMethods.Post;
        http.Request.Scheme = "http";
        http.Request.Host = new HostString("localhost");
        http.Request.ContentType = "application/json";
        var body = Encoding.UTF8.GetBytes(message);
        http.Request.Body = new MemoryStream(body);
        http.Request.ContentLength = body.Length;
        http.Response.Body = Stream.Null;

        var result = kind == SubmissionKind.Workflow
            ? await ActivatorUtilities.CreateInstance<WorkflowApi>(context.InstanceServices).SubmitWorkflow(http.Request, client, context)
            : await ActivatorUtilities.CreateInstance<TaskApi>(context.InstanceServices).SubmitTask(http.Request, client, context);
        var (status, detail) = Describe(result);
        switch (status)
        {
            case 200 or 202:
                return null;
            case 400 or 413 or 415:
                LogParked(logger, detail);
                return body;
            default:
                throw new InvalidOperationException($"The {kind.Value.ToString().ToLowerInvariant()} submission was refused ({status}): {detail}");
        }
    }

    private static SubmissionKind? ShapeOf(string? message)
    {
        if (string.IsNullOrWhiteSpace(message))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(message, new JsonDocumentOptions { MaxDepth = 64 });
            var root = document.RootElement;
            return root.ValueKind != JsonValueKind.Object ? null
                : root.TryGetProperty("tasks", out _) ? SubmissionKind.Workflow
                : root.TryGetProperty("task_type", out _) ? SubmissionKind.Task
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static (int Status, string Detail) Describe(IActionResult result) => result switch
    {
        ContentResult content => (content.StatusCode ?? 200, DetailOf(content.Content)),
        IStatusCodeActionResult coded => (coded.StatusCode ?? 200, string.Empty),
        _ => (200, string.Empty),
    };

    private static string DetailOf(string? problem)
    {
        if (problem is null)
        {
            return string.Empty;
        }

        try
        {
            using var document = JsonDocument.Parse(problem);
            return document.RootElement.TryGetProperty("detail", out var detail) ? detail.ToString() : problem;
        }
        catch (JsonException)
        {
            return problem;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A task submission was moved to the poison queue without retries: {Reason}")]
    private static partial void LogParked(ILogger logger, string reason);

    private enum SubmissionKind
    {
        Workflow,
        Task,
    }
}
