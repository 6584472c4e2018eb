using ServerlessTasks.Domain.Scheduling;
using ServerlessTasks.Domain.Workers;

namespace ServerlessTasks.TaskIndex;

/// <summary>
/// A task that runs on an external worker, in the work queue: one row per (workflow, task), from its enqueue by its
/// orchestration through its leases to the delivery of its outcome back to that orchestration.
/// </summary>
public sealed record ExternalTaskRecord
{
    /// <summary>The workflow (or <c>task:{task_id}</c> of a single task).</summary>
    public required string WorkflowId { get; init; }

    /// <summary>The task id.</summary>
    public required string TaskId { get; init; }

    /// <summary>The orchestration waiting for the outcome (the workflow, or the batch sub-orchestration running it).</summary>
    public required string InstanceId { get; init; }

    /// <summary>The orchestration's attempt (its retry policy's count) this row serves; the outcome event is named after it.</summary>
    public int RunAttempt { get; init; }

    /// <summary>The delivery number handed to workers: at least <see cref="RunAttempt"/>, one more per re-queue.</summary>
    public int Attempt { get; init; }

    /// <summary>The task type (a worker capability).</summary>
    public required string TaskType { get; init; }

    /// <summary>The payload (JSON), if any.</summary>
    public string? Payload { get; init; }

    /// <summary>Priority 1-10.</summary>
    public int Priority { get; init; }

    /// <summary>The task's deadline, if any.</summary>
    public DateTimeOffset? Deadline { get; init; }

    /// <summary>When it was (last) queued.</summary>
    public DateTimeOffset EnqueuedAt { get; init; }

    /// <summary>Queue order, assigned by the store on enqueue and re-queue.</summary>
    public long Sequence { get; init; }

    /// <summary>The policy lane (fixed at enqueue, see <see cref="LeaseSelector.Place"/>).</summary>
    public int Lane { get; init; }

    /// <summary>The in-lane order (fixed at enqueue).</summary>
    public PriorityKey LaneOrder { get; init; }

    /// <summary>Where it stands.</summary>
    public ExternalTaskState State { get; init; }

    /// <summary>The worker holding (or that last held) its lease.</summary>
    public string? WorkerId { get; init; }

    /// <summary>The current lease token (the async completion token).</summary>
    public string? LeaseToken { get; init; }

    /// <summary>When the current lease was handed out.</summary>
    public DateTimeOffset? LeasedAt { get; init; }

    /// <summary>When the current lease expires unless renewed.</summary>
    public DateTimeOffset? LeaseExpiresAt { get; init; }

    /// <summary>The host's HLC stamp of the lease (string form).</summary>
    public string? LeasedHlc { get; init; }

    /// <summary>The outcome (an <see cref="ExternalTaskOutcome"/> as JSON) once finished.</summary>
    public string? Outcome { get; init; }

    /// <summary>When it finished (or was delivered).</summary>
    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>How often it was re-queued after a lost lease.</summary>
    public int Requeues { get; init; }

    /// <summary>The tenant that owns its workflow, or null: only that tenant's workers (or workers without one) lease it.</summary>
    public string? Tenant { get; init; }

    /// <summary>What the priority policy sees of it.</summary>
    public QueuedTask AsQueued() => new(TaskId, TaskType, Priority, Deadline, EnqueuedAt, Sequence);
}
