namespace Microsoft.DurableTask;

/// <summary>
/// A declarative retry policy for activities and sub-orchestrations. Attempt <c>n</c> (n &gt;= 1) that
/// fails is retried after <c>FirstRetryInterval * BackoffCoefficient^(n-1)</c>, capped at
/// <see cref="MaxRetryInterval"/>, until <see cref="MaxNumberOfAttempts"/> attempts were made or
/// <see cref="RetryTimeout"/> has passed since the first attempt.
/// </summary>
public class RetryPolicy
{
    /// <summary>Creates a retry policy.</summary>
    public RetryPolicy(
        int maxNumberOfAttempts,
        TimeSpan firstRetryInterval,
        double backoffCoefficient = 1.0,
        TimeSpan? maxRetryInterval = null,
        TimeSpan? retryTimeout = null)
    {
        if (maxNumberOfAttempts <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxNumberOfAttempts), maxNumberOfAttempts, "The value must be greater than zero.");
        }

        if (firstRetryInterval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(firstRetryInterval), firstRetryInterval, "The value must be greater than zero.");
        }

        if (backoffCoefficient < 1.0)
        {
            throw new ArgumentOutOfRangeException(nameof(backoffCoefficient), backoffCoefficient, "The value must be greater than or equal to 1.0.");
        }

        if (maxRetryInterval is { } max && max < firstRetryInterval)
        {
            throw new ArgumentOutOfRangeException(nameof(maxRetryInterval), max, "The value must not be less than the first retry interval.");
        }

        if (retryTimeout is { } timeout && timeout != Timeout.InfiniteTimeSpan && timeout < firstRetryInterval)
        {
            throw new ArgumentOutOfRangeException(nameof(retryTimeout), timeout, "The value must not be less than the first retry interval.");
        }

        MaxNumberOfAttempts = maxNumberOfAttempts;
        FirstRetryInterval = firstRetryInterval;
        BackoffCoefficient = backoffCoefficient;
        MaxRetryInterval = maxRetryInterval ?? TimeSpan.FromHours(1);
        RetryTimeout = retryTimeout ?? Timeout.InfiniteTimeSpan;
    }

    /// <summary>The maximum number of attempts, including the first.</summary>
    public int MaxNumberOfAttempts { get; }

    /// <summary>The delay before the first retry.</summary>
    public TimeSpan FirstRetryInterval { get; }

    /// <summary>The factor by which the delay grows with each retry.</summary>
    public double BackoffCoefficient { get; }

    /// <summary>The longest delay between two attempts.</summary>
    public TimeSpan MaxRetryInterval { get; }

    /// <summary>How long retrying may go on; <see cref="Timeout.InfiniteTimeSpan"/> for no limit.</summary>
    public TimeSpan RetryTimeout { get; }

    /// <summary>Decides from the exception whether a failure is retried; all are by default.</summary>
    public Func<Exception, bool> Handle { get; init; } = static _ => true;

    /// <summary>Decides from the failure details whether a failure is retried; all are by default.</summary>
    public Func<TaskFailureDetails, bool> HandleFailure { get; init; } = static _ => true;

    /// <summary>The delay before retrying after failed attempt <paramref name="attempt"/> (1-based).</summary>
    public TimeSpan GetNextDelay(int attempt)
    {
        var factor = Math.Pow(BackoffCoefficient, attempt - 1);
        var ticks = FirstRetryInterval.Ticks * factor;
        return ticks >= MaxRetryInterval.Ticks ? MaxRetryInterval : TimeSpan.FromTicks((long)ticks);
    }
}
