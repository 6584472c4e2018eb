using ServerlessTasks.Domain.Model;
using ServerlessTasks.Domain.Scheduling;

namespace ServerlessTasks.Domain.Orders;

/// <summary>
/// How the template runs an order of each tier. VIP orders get a higher priority (ahead in every priority-ordered
/// queue they share with regular work), a tighter per-attempt timeout (a slow call is abandoned and retried sooner)
/// and a tighter deadline. The per-attempt timeout is enforced inside the step's activity (a cancelled provider call
/// fails the attempt with a <see cref="TimeoutException"/>, which is retried), not by a durable timer. Every step retries <see cref="MaxRetries"/> times with exponential backoff and jitter.
/// A VIP step retries sooner (0.1 s, then 0.8 s against 1 s, then 2 s): one or two transient gateway failures cost a VIP
/// order a fraction of a second instead of one to three seconds. Its last retry waits longer instead (6.4 s against
/// 4 s), so the time its retries span (<see cref="RetryWindowOf"/>, 7.3 s) is no shorter than a regular step's (7 s):
/// an outage that a regular order rides out does not exhaust a VIP order's retries.
/// </summary>
public sealed record OrderPolicy
{
    /// <summary>The defaults.</summary>
    public static OrderPolicy Default { get; } = new();

    /// <summary>Task priority of a VIP order's steps (1-10).</summary>
    public int VipPriority { get; init; } = 9;

    /// <summary>Task priority of a regular order's steps (1-10).</summary>
    public int RegularPriority { get; init; } = 4;

    /// <summary>Retries per step after the first attempt.</summary>
    public int MaxRetries { get; init; } = 3;

    /// <summary>Per-attempt timeout of a VIP order's steps, in seconds.</summary>
    public double VipStepTimeoutSeconds { get; init; } = 10;

    /// <summary>Per-attempt timeout of a regular order's steps, in seconds.</summary>
    public double RegularStepTimeoutSeconds { get; init; } = 30;

    /// <summary>Delay before a VIP step's first retry, in seconds (before jitter).</summary>
    public double VipRetryDelaySeconds { get; init; } = 0.1;

    /// <summary>Growth of a VIP step's retry delay from one retry to the next.</summary>
    public double VipRetryMultiplier { get; init; } = 8;

    /// <summary>Delay before a regular step's first retry, in seconds (before jitter): the service's default back-off.</summary>
    public double RegularRetryDelaySeconds { get; init; } = 1;

    /// <summary>Growth of a regular step's retry delay from one retry to the next.</summary>
    public double RegularRetryMultiplier { get; init; } = 2;

    /// <summary>How long after acceptance a VIP order must be done.</summary>
    public TimeSpan VipDeadline { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How long after acceptance a regular order must be done.</summary>
    public TimeSpan RegularDeadline { get; init; } = TimeSpan.FromHours(1);

    /// <summary>The priority of a tier.</summary>
    public int PriorityOf(CustomerTier tier) => tier == CustomerTier.Vip ? VipPriority : RegularPriority;

    /// <summary>The per-attempt timeout of a tier.</summary>
    public double StepTimeoutOf(CustomerTier tier) => tier == CustomerTier.Vip ? VipStepTimeoutSeconds : RegularStepTimeoutSeconds;

    /// <summary>The deadline of a tier's order accepted at <paramref name="acceptedAt"/>.</summary>
    public DateTimeOffset DeadlineOf(CustomerTier tier, DateTimeOffset acceptedAt) => acceptedAt + (tier == CustomerTier.Vip ? VipDeadline : RegularDeadline);

    /// <summary>The <c>retry</c> the template gives a tier's steps (the compensations keep the service default).</summary>
    public RetrySpec RetryOf(CustomerTier tier) => tier == CustomerTier.Vip
        ? new RetrySpec(VipRetryDelaySeconds, VipRetryMultiplier)
        : new RetrySpec(RegularRetryDelaySeconds, RegularRetryMultiplier);

    /// <summary>The back-off between a tier's step attempts (exponential, capped and jittered as <see cref="RetryBackoff.Default"/>).</summary>
    public RetryBackoff RetryBackoffOf(CustomerTier tier) => RetryBackoff.Of(RetryOf(tier));

    /// <summary>How long a tier's step keeps retrying at most: its <see cref="MaxRetries"/> back-off delays before jitter (jitter takes up to half off each).</summary>
    public TimeSpan RetryWindowOf(CustomerTier tier)
    {
        var backoff = RetryBackoffOf(tier);
        return Enumerable.Range(1, MaxRetries).Aggregate(TimeSpan.Zero, (sum, retry) => sum + backoff.GetBaseDelay(retry));
    }
}
