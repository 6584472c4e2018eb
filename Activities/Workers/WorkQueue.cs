using System.Text.Json;
using ServerlessTasks.Activities.Events;
using ServerlessTasks.Domain.Scheduling;
using ServerlessTasks.Domain.Workers;
using ServerlessTasks.TaskIndex;

namespace ServerlessTasks.Activities.Workers;

/// <summary>
/// The app's side of the worker store: queues tasks by effective priority (the policy of <c>Domain/Scheduling</c>),
/// leases them with long-polling, and knows the outcome event each orchestration waits for. Shared by the activities,
/// the worker and lease endpoints and the proctor.
/// </summary>
public sealed class WorkQueue(IWorkerLeaseStore store, WorkerSettings settings, IPriorityPolicy policy, WorkSignal signal, HostClock clock, TimeProvider time, ITenantDirectory? tenants = null)
{
    /// <summary>The store.</summary>
    public IWorkerLeaseStore Store => store;

    /// <summary>The timing settings.</summary>
    public WorkerSettings Settings => settings;

    /// <summary>The host clock (stamps leases and proctor events).</summary>
    public HostClock Clock => clock;

    /// <summary>Now, on the app's clock.</summary>
    public DateTimeOffset Now => time.GetUtcNow();

    /// <summary>Wakes waiting lease calls (work was queued or re-queued).</summary>
    public void Signal() => signal.Pulse();

    /// <summary>Queues a run attempt (idempotent) and wakes waiting lease calls.</summary>
    public async Task<bool> EnqueueAsync(ExternalTaskRequest request, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(request);
        var now = Now;
        var queued = new QueuedTask(request.TaskId, request.TaskType, request.Priority, request.Deadline, now, 0);
        var (lane, order) = LeaseSelector.Place(policy, queued);
        var added = await store.EnqueueAsync(new ExternalTaskRecord
        {
            WorkflowId = request.WorkflowId,
            TaskId = request.TaskId,
            InstanceId = request.InstanceId,
            RunAttempt = request.RunAttempt,
            Attempt = request.RunAttempt,
            TaskType = request.TaskType,
            Payload = request.Payload?.GetRawText(),
            Priority = request.Priority,
            Deadline = request.Deadline,
            EnqueuedAt = now,
            Lane = lane,
            LaneOrder = order,
            // The owner of the workflow (the single task's or order's instance): only its tenant's workers lease the task.
            Tenant = tenants is null ? null : await tenants.OwnerAsync(TenantResource.Instance, request.WorkflowId, cancellation),
        }, cancellation);
        signal.Pulse(request.TaskType);
        return added;
    }

    /// <summary>
    /// Leases up to <paramref name="maxTasks"/> tasks for a worker, waiting up to <paramref name="wait"/> for work to
    /// come (woken by enqueues; re-checking every <see cref="WorkerSettings.LeaseRecheck"/> for other instances' work).
    /// Null for a worker the store does not know, also when it is deregistered while waiting; empty at once for a
    /// draining one (looked up only when a look finds nothing, so a lease that finds work is one store step).
    /// </summary>
    public async Task<IReadOnlyList<ExternalTaskRecord>?> LeaseAsync(string workerId, int maxTasks, TimeSpan wait, CancellationToken cancellation)
    {
        await clock.EnsureRestoredAsync();
        var until = Now + wait;
        IReadOnlyCollection<string>? types = null; // any type until the worker's capabilities are read
        var lookUpWorker = true;
        while (true)
        {
            // Registered before looking, so an enqueue between the look and the wait still wakes this call.
            var waiter = signal.Register(types);
            var passOn = true;
            try
            {
                var now = Now;
                var leased = await store.LeaseAsync(
                    workerId,
                    maxTasks,
                    now,
                    now + settings.LeaseTimeout,
                    (candidates, max) => LeaseSelector.Select(policy, candidates, c => c.AsQueued(), now, max),
                    () => clock.Clock.Now().ToString(),
                    cancellation);
                if (leased.Count > 0)
                {
                    return leased;
                }

                // First, and after every wake that found nothing: a deregistration wakes everyone, and a worker
                // that is gone (or draining) stops waiting at once instead of holding its long-poll to the end.
                if (lookUpWorker)
                {
                    if (await store.GetWorkerAsync(workerId, cancellation) is not { } worker)
                    {
                        return null;
                    }

                    if (worker.Status == WorkerStatus.Draining)
                    {
                        return leased;
                    }

                    types = worker.Capabilities;
                }

                if (Now >= until)
                {
                    return leased;
                }

                // Woken (or the re-check is due): the next turn looks, so this wake is not passed on.
                lookUpWorker = await WorkSignal.WaitAsync(waiter, Min(until - Now, settings.LeaseRecheck), cancellation);
                passOn = false;
            }
            finally
            {
                signal.Leave(waiter, passOn);
            }
        }
    }

    /// <summary>The outcome a row carries, or null.</summary>
    public static ExternalTaskOutcome? OutcomeOf(ExternalTaskRecord task) =>
        task?.Outcome is { } json ? JsonSerializer.Deserialize<ExternalTaskOutcome>(json) : null;

    /// <summary>The outcome of a lease, as stored.</summary>
    public string DescribeOutcome(ExternalTaskRecord lease, bool succeeded, JsonElement? result, string? error, bool retryable) =>
        JsonSerializer.Serialize(new ExternalTaskOutcome(
            succeeded,
            result,
            error,
            retryable,
            lease?.WorkerId,
            lease?.Attempt ?? 0,
            lease?.LeasedAt,
            lease?.LeasedHlc is { } stamp ? Domain.Clock.HlcTimestamp.Parse(stamp) : null,
            clock.Clock.Now()));

    /// <summary>The event the orchestration of a run attempt waits for.</summary>
    public static string OutcomeEventName(string taskId, int runAttempt) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"worker-outcome:{taskId}:{runAttempt}");

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? (a < TimeSpan.Zero ? TimeSpan.Zero : a) : b;
}
