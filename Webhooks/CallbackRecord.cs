namespace ServerlessTasks.Webhooks;

/// <summary>The stored state of one callback delivery.</summary>
public sealed record CallbackRecord
{
    /// <summary>The delivery's key (<c>callback:{workflow}:{event}</c>), also its first orchestration instance id.</summary>
    public required string DeliveryId { get; init; }

    /// <summary>The workflow (or single-task orchestration) the delivery reports on.</summary>
    public required string WorkflowId { get; init; }

    /// <summary>The task, for single tasks and task events.</summary>
    public string? TaskId { get; init; }

    /// <summary>The event name (<c>completed</c>, <c>task_completed</c>, ...).</summary>
    public required string Event { get; init; }

    /// <summary>The target URL.</summary>
    public required string Url { get; init; }

    /// <summary>The <c>webhook-id</c>: the same on every attempt and every redrive.</summary>
    public required string WebhookId { get; init; }

    /// <summary>The status.</summary>
    public CallbackDeliveryStatus Status { get; init; }

    /// <summary>Attempts made so far (across redrives).</summary>
    public int Attempts { get; init; }

    /// <summary>Why the last attempt failed.</summary>
    public string? LastError { get; init; }

    /// <summary>When the record last changed.</summary>
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>How many times it was redriven from the dead-letter queue.</summary>
    public int Redrives { get; init; }

    /// <summary>The serialized delivery request, enough to start it again.</summary>
    public required string Request { get; init; }
}
