using ServerlessTasks.Activities.Events;
using ServerlessTasks.TaskIndex;

namespace ServerlessTasks.Functions.Workers;

/// <summary>
/// Journals what the worker endpoints and the proctor do to tasks (re-queues, overdue, stuck, unassignable): task
/// events stamped by the host's clock, appended to the event journal and handed to the event handlers like the
/// orchestrations' own. An event is identified by (workflow, task, kind, attempt), so a finding repeated by later
/// sweeps is journaled once per attempt.
/// </summary>
public sealed class WorkerEvents(TaskEventSink sink, ITaskEventJournal journal)
{
    /// <summary>Journals events (kind, row, detail) stamped now.</summary>
    public async Task<IReadOnlyList<TaskEvent>> RecordAsync(IEnumerable<(TaskEventKind Kind, string WorkflowId, string TaskId, int Attempt, string Detail)> findings, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(findings);
        var list = findings.ToList();
        if (list.Count == 0)
        {
            return [];
        }

        var events = new List<TaskEvent>(list.Count);
        foreach (var (kind, workflowId, taskId, attempt, detail) in list)
        {
            // A finding repeated by a later sweep is journaled (and handed to the handlers) once.
            if (kind != TaskEventKind.Requeued && (await journal.ListTaskEventsAsync(workflowId, taskId, cancellation)).Any(e => e.Kind == kind && e.Attempt == attempt))
            {
                continue;
            }

            var stamp = await sink.Clock.NowAsync();
            events.Add(new TaskEvent { WorkflowId = workflowId, TaskId = taskId, Kind = kind, Hlc = stamp, At = stamp.PhysicalTime, Attempt = attempt, Detail = detail });
        }

        if (events.Count == 0)
        {
            return [];
        }

        await sink.AppendAsync(events, cancellation);
        await sink.NotifyAsync(events, cancellation);
        return events;
    }
}
