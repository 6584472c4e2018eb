namespace Microsoft.DurableTask;

/// <summary>Either a declarative <see cref="RetryPolicy"/> or an imperative retry handler.</summary>
public sealed class TaskRetryOptions
{
    /// <summary>Retries by policy.</summary>
    public TaskRetryOptions(RetryPolicy policy) => Policy = policy ?? throw new ArgumentNullException(nameof(policy));

    /// <summary>Retries by handler.</summary>
    public TaskRetryOptions(AsyncRetryHandler handler) => Handler = handler ?? throw new ArgumentNullException(nameof(handler));

    /// <summary>The policy, when retrying by policy.</summary>
    public RetryPolicy? Policy { get; }

    /// <summary>The handler, when retrying by handler.</summary>
    public AsyncRetryHandler? Handler { get; }

    /// <summary>Converts a policy into retry options.</summary>
    public static implicit operator TaskRetryOptions(RetryPolicy policy) => new(policy);

    /// <summary>Converts a handler into retry options.</summary>
    public static implicit operator TaskRetryOptions(AsyncRetryHandler handler) => new(handler);

    /// <summary>Converts a synchronous handler into retry options.</summary>
    public static implicit operator TaskRetryOptions(RetryHandler handler) => FromRetryHandler(handler);

    /// <summary>Retry options from a policy.</summary>
    public static TaskRetryOptions FromRetryPolicy(RetryPolicy policy) => new(policy);

    /// <summary>Retry options from a handler.</summary>
    public static TaskRetryOptions FromRetryHandler(AsyncRetryHandler handler) => new(handler);

    /// <summary>Retry options from a synchronous handler.</summary>
    public static TaskRetryOptions FromRetryHandler(RetryHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return new TaskRetryOptions(context => Task.FromResult(handler(context)));
    }
}
