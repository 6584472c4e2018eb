using Microsoft.AspNetCore.Mvc;
using ServerlessTasks.Activities.Http;
using ServerlessTasks.Domain.Model;
using ServerlessTasks.Domain.Validation;
using ServerlessTasks.Functions.Http;

namespace ServerlessTasks.Functions.Callbacks;

/// <summary>
/// The SSRF check of a submission's callbacks at submit time: every callback URL (workflow and task) must pass
/// the address policy, names resolved now. 422 naming the callback otherwise; the connect-time guard checks
/// again at send, since a DNS answer can change in between.
/// </summary>
public static class CallbackProblems
{
    /// <summary>A 422 problem for the first refused callback, or null when all are allowed.</summary>
    public static async Task<IActionResult?> CheckAsync(OutboundAddressGuard guard, CallbackSpec? workflowCallback, IEnumerable<TaskSpec?> tasks, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(guard);
        ArgumentNullException.ThrowIfNull(tasks);
        var problems = new List<ValidationProblem>();
        if (workflowCallback is not null && await guard.FindProblemAsync(workflowCallback.Url, cancellation) is { } reason)
        {
            problems.Add(new ValidationProblem(ValidationProblemCode.InvalidCallback, $"The workflow callback '{workflowCallback.Url}' is refused: {reason}", []));
        }

        foreach (var task in tasks)
        {
            if (task?.Callback is { } callback && await guard.FindProblemAsync(callback.Url, cancellation) is { } taskReason)
            {
                problems.Add(new ValidationProblem(ValidationProblemCode.InvalidCallback, $"Task '{task.TaskId}' callback '{callback.Url}' is refused: {taskReason}", [task.TaskId!]));
            }
        }

        return problems.Count == 0
            ? null
            : ApiResults.Problem(422, "Unprocessable Entity", problems[0].Message,
                problems.Select(p => new { code = p.Code, message = p.Message, task_ids = p.TaskIds }).ToList());
    }
}
