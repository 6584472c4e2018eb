namespace ServerlessTasks.Domain.Orders;

/// <summary>
/// How the template runs an order of each tier. VIP orders get a higher priority (ahead in every priority-ordered
/// queue they share with regular work), a tighter per-attempt timeout (a slow call is abandoned and retried sooner)
/// and a tighter deadline. The per-attempt timeout is enforced inside the step's activity (a cancelled provider call
/// fails the attempt with a <see cref="TimeoutException"/>, which is retried), not by a durable timer. Every step retries <see cref="MaxRetries"/> times with exponential backoff and jitter.
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
}
