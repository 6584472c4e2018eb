using ServerlessTasks.Domain.Model;

namespace ServerlessTasks.Functions.Schedules;

/// <summary>
/// A schedule as a client submits it (<c>POST /api/schedules</c>): when (<see cref="Cron"/>, six-field NCRONTAB with
/// seconds as Functions' timer triggers use, or one <see cref="RunAt"/>), in which time zone, and what to submit at each
/// firing (<see cref="Task"/> or <see cref="Workflow"/>, exactly one).
/// </summary>
/// <param name="ScheduleId">The schedule's id (letters, digits and <c>- _ . :</c>, 1-100 characters).</param>
/// <param name="Cron">Six-field NCRONTAB (<c>{second} {minute} {hour} {day} {month} {day-of-week}</c>).</param>
/// <param name="RunAt">One firing at this time.</param>
/// <param name="TimeZone">IANA or Windows time zone id the cron expression is read in; UTC when absent.</param>
/// <param name="Task">The task submitted at each firing (as <c>POST /api/tasks</c>; its id is derived per firing).</param>
/// <param name="Workflow">The workflow submitted at each firing (as <c>POST /api/workflows</c>; its id is derived per firing).</param>
public sealed record ScheduleSpec(
    string? ScheduleId,
    string? Cron = null,
    DateTimeOffset? RunAt = null,
    string? TimeZone = null,
    TaskSpec? Task = null,
    WorkflowSpec? Workflow = null);

/// <summary>A schedule's orchestration state, carried across <c>ContinueAsNew</c>.</summary>
/// <param name="Spec">The schedule.</param>
/// <param name="After">The next firing is the first occurrence strictly after this time; null: after the orchestration's first moment (durable time).</param>
/// <param name="Fired">Firings so far.</param>
/// <param name="LastFireAt">The last firing's scheduled time.</param>
/// <param name="Tenant">The tenant whose key created the schedule (its firings' submissions are that tenant's); null: none.</param>
public sealed record ScheduleState(ScheduleSpec Spec, DateTimeOffset? After = null, int Fired = 0, DateTimeOffset? LastFireAt = null, string? Tenant = null);

/// <summary>One firing of a schedule (or the question when the next one is).</summary>
/// <param name="Spec">The schedule.</param>
/// <param name="At">The firing's scheduled time (for a question: the time after which to look).</param>
/// <param name="Tenant">The schedule's tenant, who owns the firing's submission; null: none.</param>
public sealed record ScheduleFiring(ScheduleSpec Spec, DateTimeOffset At, string? Tenant = null);

/// <summary>What a schedule's orchestration shows as its custom status.</summary>
/// <param name="NextFireAt">The next firing, null when none is left.</param>
/// <param name="Fired">Firings so far.</param>
/// <param name="LastFireAt">The last firing's scheduled time.</param>
public sealed record ScheduleProgress(DateTimeOffset? NextFireAt, int Fired, DateTimeOffset? LastFireAt);
