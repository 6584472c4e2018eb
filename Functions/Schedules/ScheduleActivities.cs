using System.Globalization;
using DurableTask.Core.Exceptions;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using ServerlessTasks.TaskIndex;

namespace ServerlessTasks.Functions.Schedules;

/// <summary>The schedule orchestration's activities: when it fires next, and one firing's submission.</summary>
public sealed partial class ScheduleActivities(ITenantDirectory tenants, ILogger<ScheduleActivities> logger)
{
    private static readonly OrchestrationRuntimeStatus[] AnyStatus = Enum.GetValues<OrchestrationRuntimeStatus>();

    /// <summary>The id of the task or workflow a firing submits: <c>{schedule_id}@{yyyyMMddTHHmmssZ}</c>.</summary>
    public static string SubmissionId(string scheduleId, DateTimeOffset fireAt) =>
        scheduleId + "@" + fireAt.ToUniversalTime().ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    /// <summary>The first firing after the given time (activities run the time zone lookups, which read files).</summary>
    [Function(nameof(NextScheduleFiring))]
    public static DateTimeOffset? NextScheduleFiring([ActivityTrigger] ScheduleFiring question)
    {
        ArgumentNullException.ThrowIfNull(question);
        return ScheduleTimes.Next(question.Spec, question.At);
    }

    /// <summary>
    /// Submits the firing's task or workflow under its derived id; a repeat finds it submitted and does nothing. A
    /// tenant's schedule claims the submission's id for the tenant first (as <c>POST /api/tasks</c> does for its key), so
    /// the tenant reads and controls it and its cached results are the tenant's; an id another tenant holds is not submitted.
    /// </summary>
    [Function(nameof(FireSchedule))]
    public async Task FireSchedule([ActivityTrigger] ScheduleFiring firing, [DurableClient] DurableTaskClient client, FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(firing);
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(context);
        var id = SubmissionId(firing.Spec.ScheduleId!, firing.At);
        var (orchestrator, instanceId, input) = firing.Spec.Task is { } task
            ? (nameof(SingleTaskOrchestrator), TaskIndexEntry.SingleTaskWorkflowId(id), (object)(task with { TaskId = id }))
            : (nameof(WorkflowOrchestrator), id, firing.Spec.Workflow! with { WorkflowId = id });
        var claim = firing.Tenant is { } tenant ? await tenants.ClaimAsync(TenantResource.Instance, instanceId, tenant, context.CancellationToken) : null;
        if (claim is not null && claim.Owner != firing.Tenant)
        {
            LogTakenByOtherTenant(logger, firing.Spec.ScheduleId!, id);
            return;
        }

        try
        {
            await client.ScheduleNewOrchestrationInstanceAsync(orchestrator, input, new StartOrchestrationOptions(instanceId).WithDedupeStatuses(AnyStatus), context.CancellationToken);
            LogFired(logger, firing.Spec.ScheduleId!, id, firing.At);
        }
        catch (OrchestrationAlreadyExistsException) when (claim is { Created: true })
        {
            // Created by a key without a tenant (a tenant always claims first, and a repeated firing finds its own claim):
            // the schedule's tenant must not become its owner.
            await tenants.ReleaseAsync(TenantResource.Instance, instanceId, claim.Owner, CancellationToken.None);
            LogTakenByOtherTenant(logger, firing.Spec.ScheduleId!, id);
        }
        catch (OrchestrationAlreadyExistsException)
        {
            LogAlreadyFired(logger, firing.Spec.ScheduleId!, id);
        }
    }

    [LoggerMessage(EventId = 9201, Level = LogLevel.Information, Message = "Schedule {ScheduleId} fired: submitted {SubmissionId} for {FireAt:O}")]
    private static partial void LogFired(ILogger logger, string scheduleId, string submissionId, DateTimeOffset fireAt);

    [LoggerMessage(EventId = 9203, Level = LogLevel.Warning, Message = "Schedule {ScheduleId}: {SubmissionId} belongs to another tenant or to a key without one; not submitted")]
    private static partial void LogTakenByOtherTenant(ILogger logger, string scheduleId, string submissionId);

    [LoggerMessage(EventId = 9202, Level = LogLevel.Information, Message = "Schedule {ScheduleId}: {SubmissionId} was submitted before (a repeated firing)")]
    private static partial void LogAlreadyFired(ILogger logger, string scheduleId, string submissionId);
}
