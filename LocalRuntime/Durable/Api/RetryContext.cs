namespace Microsoft.DurableTask;

/// <summary>What a retry handler is told about the attempt that just failed.</summary>
/// <param name="OrchestrationContext">The calling orchestration.</param>
/// <param name="LastAttemptNumber">The 1-based number of the attempt that failed.</param>
/// <param name="LastFailure">Why it failed.</param>
/// <param name="TotalRetryTime">Time since the first attempt started.</param>
/// <param name="CancellationToken">Cancelled when the orchestration no longer needs the result.</param>
public record RetryContext(
    TaskOrchestrationContext OrchestrationContext,
    int LastAttemptNumber,
    TaskFailureDetails LastFailure,
    TimeSpan TotalRetryTime,
    CancellationToken CancellationToken);

/// <summary>Decides asynchronously (for example after a durable timer) whether to retry.</summary>
public delegate Task<bool> AsyncRetryHandler(RetryContext retryContext);

/// <summary>Decides whether to retry.</summary>
public delegate bool RetryHandler(RetryContext retryContext);
