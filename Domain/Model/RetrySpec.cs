namespace ServerlessTasks.Domain.Model;

/// <summary>
/// A task's own back-off between attempts (<c>retry: {delay_seconds, multiplier, max_delay_seconds}</c>), each field
/// optional: what is left out keeps the service default (1 s, doubling, capped at 5 minutes). Jitter stays the
/// service's (up to half of each delay, seeded by workflow and task id). How many retries there are is still
/// <c>max_retries</c>.
/// </summary>
/// <param name="DelaySeconds">Delay before the first retry, in seconds (0 to <see cref="Validation.WorkflowLimits.MaxRetryDelaySeconds"/>).</param>
/// <param name="Multiplier">Growth of the delay from one retry to the next (1 to <see cref="Validation.WorkflowLimits.MaxRetryMultiplier"/>).</param>
/// <param name="MaxDelaySeconds">Cap on any one delay, in seconds (0 to <see cref="Validation.WorkflowLimits.MaxRetryDelaySeconds"/>).</param>
public sealed record RetrySpec(double? DelaySeconds = null, double? Multiplier = null, double? MaxDelaySeconds = null);
