using System.Globalization;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using ServerlessTasks.Activities.Workers;
using ServerlessTasks.Domain.Model;
using ServerlessTasks.Domain.Workers;
using ServerlessTasks.Functions.Workers;
using ServerlessTasks.TaskIndex;

namespace ServerlessTasks.Functions.Proctor;

/// <summary>
/// The proctor's sweep: marks workers dead after missed heartbeats and re-queues the leases they held (and any lease
/// past its expiry), each re-queue a new attempt that supersedes the old token; gives up on a task re-queued too
/// often; delivers outcomes whose delivery failed; reports tasks past or predicted past their deadline, tasks running
/// without progress and tasks no live worker can run. Every action on a task is a journaled task event with an HLC
/// stamp. Safe to run anywhere at any time, also twice at once: each step is one atomic store call.
/// </summary>
public sealed partial class ProctorSweep(WorkQueue queue, OutcomeDelivery delivery, WorkerEvents journal, ITaskIndex index, ProctorSettings settings, ILogger<ProctorSweep> logger)
{
    /// <summary>The error of a task given up after too many lost leases.</summary>
    public const string WorkerLost = "worker_lost";

    /// <summary>Runs one sweep.</summary>
    public async Task<ProctorReport> RunAsync(DurableTaskClient client, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(client);
        var store = queue.Store;
        var workerSettings = queue.Settings;
        var now = queue.Now;
        var findings = new List<(TaskEventKind, string, string, int, string)>();

        var dead = await store.MarkDeadAsync(now - workerSettings.DeadAfter, now, cancellation);
        foreach (var worker in dead)
        {
            LogDead(logger, worker.WorkerId, worker.LastHeartbeatAt, worker.LeasedTasks);
        }

        var lost = await store.RequeueLostAsync(now, workerSettings.MaxRequeues, task => queue.DescribeOutcome(
            task, false, null, string.Create(CultureInfo.InvariantCulture, $"{WorkerLost}: lease lost {task.Requeues + 1} times (last held by '{task.WorkerId}')"), false), cancellation);
        var requeued = lost.Where(t => t.State == ExternalTaskState.Waiting).ToList();
        var givenUp = lost.Where(t => t.State == ExternalTaskState.Finished).ToList();
        findings.AddRange(requeued.Select(t => (TaskEventKind.Requeued, t.WorkflowId, t.TaskId, t.Attempt, $"lease of worker '{t.WorkerId}' lost; attempt {t.Attempt} queued")));
        if (requeued.Count > 0)
        {
            queue.Signal();
        }

        var redelivered = new List<string>();
        foreach (var task in givenUp.Concat(await store.ListTasksAsync(ExternalTaskState.Finished, 500, cancellation))
            .Where(t => givenUp.Contains(t) || t.FinishedAt < now - workerSettings.RedeliverAfter)
            .DistinctBy(t => (t.WorkflowId, t.TaskId)))
        {
            if (await delivery.DeliverAsync(client, task, cancellation) && !givenUp.Contains(task))
            {
                redelivered.Add(Name(task));
            }
        }

        var overdue = new List<string>();
        foreach (var task in (await store.ListTasksAsync(ExternalTaskState.Waiting, 1000, cancellation)).Concat(await store.ListTasksAsync(ExternalTaskState.Leased, 1000, cancellation)))
        {
            if (task.Deadline is { } deadline && deadline < now + settings.DeadlineMargin)
            {
                overdue.Add(Name(task));
                findings.Add((TaskEventKind.Overdue, task.WorkflowId, task.TaskId, task.Attempt, deadline < now
                    ? $"deadline {deadline:O} passed while {(task.State == ExternalTaskState.Waiting ? "waiting for a worker" : $"leased to '{task.WorkerId}'")}"
                    : $"predicted to miss its deadline {deadline:O} (less than {settings.DeadlineMargin.TotalSeconds} s left)"));
            }
        }

        var stuck = new List<string>();
        var running = await index.ListAsync(WorkflowTaskStatus.Running, 1000, 0, cancellation);
        // Delay and approval tasks wait by design (durable timers, events): not stuck however long they run.
        foreach (var entry in running.Items.Where(e => e.StartedAt is { } started && now - started > settings.StuckAfter && !Orchestration.TaskRunner.RunsInOrchestrator(e.TaskType)))
        {
            stuck.Add($"{entry.WorkflowId}/{entry.TaskId}");
            findings.Add((TaskEventKind.Stuck, entry.WorkflowId, entry.TaskId, entry.Attempts, $"running since {entry.StartedAt:O} without finishing (more than {settings.StuckAfter.TotalSeconds} s)"));
        }

        var unassignable = new List<string>();
        var live = (await store.ListWorkersAsync(cancellation)).Where(w => w.StatusAt(now, workerSettings.DeadAfter) == WorkerStatus.Active).SelectMany(w => w.Capabilities).ToHashSet(StringComparer.Ordinal);
        var stats = await store.GetStatsAsync(cancellation);
        foreach (var type in stats.WaitingByType.Where(t => !live.Contains(t.Key) && now - t.Value.Oldest > workerSettings.NoWorkerAfter).Select(t => t.Key))
        {
            foreach (var task in (await store.ListTasksAsync(ExternalTaskState.Waiting, 1000, cancellation)).Where(t => t.TaskType == type).Take(100))
            {
                unassignable.Add(Name(task));
                findings.Add((TaskEventKind.Unassignable, task.WorkflowId, task.TaskId, task.Attempt, $"no live worker offers task_type '{type}'"));
            }
        }

        await journal.RecordAsync(findings, cancellation);
        await store.PurgeAsync(now - workerSettings.ForgetDeadAfter, now - workerSettings.RetainDelivered, cancellation);
        var report = new ProctorReport(now, [.. dead.Select(w => w.WorkerId)], [.. requeued.Select(Name)], [.. givenUp.Select(Name)], redelivered, overdue, stuck, unassignable);
        if (dead.Count + requeued.Count + givenUp.Count + redelivered.Count > 0)
        {
            LogSweep(logger, dead.Count, requeued.Count, givenUp.Count, redelivered.Count);
        }

        return report;
    }

    private static string Name(ExternalTaskRecord task) => string.Create(CultureInfo.InvariantCulture, $"{task.WorkflowId}/{task.TaskId}#{task.Attempt}");

    [LoggerMessage(EventId = 1101, Level = LogLevel.Warning, Message = "Worker {WorkerId} is dead (last heartbeat {LastHeartbeat:O}); it held {Leases} leases.")]
    private static partial void LogDead(ILogger logger, string workerId, DateTimeOffset lastHeartbeat, int leases);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Information, Message = "Proctor: {Dead} workers marked dead, {Requeued} tasks re-queued, {GivenUp} given up, {Redelivered} outcomes redelivered.")]
    private static partial void LogSweep(ILogger logger, int dead, int requeued, int givenUp, int redelivered);
}
