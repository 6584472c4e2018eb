using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;

namespace ServerlessTasks.Functions.Schedules;

/// <summary>
/// One schedule, as one eternal orchestration <c>schedule:{id}</c>: ask when the next firing is, sleep on a durable
/// timer until then, submit, and continue as new from that firing. The durable timer survives restarts, and each
/// firing's submission id is derived from the schedule and the firing time, so a repeated firing submits nothing new.
/// Pausing suspends the orchestration; deleting terminates and purges it.
/// </summary>
/// <remarks>
/// Missed firings (the app was down, or the schedule paused): the timer that was due fires once when the app is back
/// (or on resume), and the next firing is looked up from then, so missed occurrences coalesce into that one firing.
/// </remarks>
public static class ScheduleOrchestrator
{
    /// <summary>The instance id of a schedule.</summary>
    public static string InstanceId(string scheduleId) => "schedule:" + scheduleId;

    /// <summary>The orchestrator function.</summary>
    [Function(nameof(ScheduleOrchestrator))]
    public static async Task<ScheduleState> RunAsync([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var state = context.GetInput<ScheduleState>() ?? throw new InvalidOperationException("A schedule needs its state as input.");
        var after = state.After ?? new DateTimeOffset(context.CurrentUtcDateTime, TimeSpan.Zero);
        var next = await context.CallActivityAsync<DateTimeOffset?>(nameof(ScheduleActivities.NextScheduleFiring), new ScheduleFiring(state.Spec, after));
        context.SetCustomStatus(new ScheduleProgress(next, state.Fired, state.LastFireAt));
        if (next is not { } fireAt)
        {
            return state;
        }

        await context.CreateTimer(fireAt.UtcDateTime, CancellationToken.None);
        await context.CallActivityAsync(nameof(ScheduleActivities.FireSchedule), new ScheduleFiring(state.Spec, fireAt, state.Tenant));
        var now = new DateTimeOffset(context.CurrentUtcDateTime, TimeSpan.Zero);
        context.ContinueAsNew(state with { After = now > fireAt ? now : fireAt, Fired = state.Fired + 1, LastFireAt = fireAt });
        return state;
    }
}
