using System.Text.Json;
using ServerlessTasks.Domain.Clock;

namespace ServerlessTasks.Domain.Workers;

/// <summary>
/// How one lease of a task on an external worker ended: the payload of the durable event its orchestration waits
/// for (the lease token is the async completion token that produced it).
/// </summary>
/// <param name="Succeeded">Whether the worker completed the task.</param>
/// <param name="Result">The worker's result, when it completed.</param>
/// <param name="Error">Why it failed, when it did.</param>
/// <param name="Retryable">Whether a failure may be retried under the task's retry policy (false ends the task).</param>
/// <param name="WorkerId">The worker that held the lease (null when the proctor gave up on the task).</param>
/// <param name="Attempt">The delivery number of the lease (counts re-queues after lost workers too).</param>
/// <param name="LeasedAt">When the worker leased it.</param>
/// <param name="Started">The host's stamp when the lease was handed out.</param>
/// <param name="Finished">The host's stamp when the outcome was accepted.</param>
public sealed record ExternalTaskOutcome(
    bool Succeeded,
    JsonElement? Result,
    string? Error,
    bool Retryable,
    string? WorkerId,
    int Attempt,
    DateTimeOffset? LeasedAt,
    HlcTimestamp? Started,
    HlcTimestamp? Finished);
