namespace Microsoft.DurableTask;

/// <summary>Options for scheduling an activity or sub-orchestration.</summary>
public record TaskOptions
{
    /// <summary>Creates options with an optional retry policy and tags.</summary>
    public TaskOptions(TaskRetryOptions? retry = null, IDictionary<string, string>? tags = null)
    {
        Retry = retry;
        Tags = tags;
    }

    /// <summary>Copies options.</summary>
    protected TaskOptions(TaskOptions original)
    {
        ArgumentNullException.ThrowIfNull(original);
        Retry = original.Retry;
        Tags = original.Tags;
    }

    /// <summary>How failures are retried; none when null.</summary>
    public TaskRetryOptions? Retry { get; init; }

    /// <summary>Tags carried with the task.</summary>
    public IDictionary<string, string>? Tags { get; init; }

    /// <summary>Options that retry by policy.</summary>
    public static TaskOptions FromRetryPolicy(RetryPolicy policy) => new(new TaskRetryOptions(policy));

    /// <summary>Options that retry by handler.</summary>
    public static TaskOptions FromRetryHandler(AsyncRetryHandler handler) => new(new TaskRetryOptions(handler));

    /// <summary>Options that retry by synchronous handler.</summary>
    public static TaskOptions FromRetryHandler(RetryHandler handler) => new(TaskRetryOptions.FromRetryHandler(handler));

    /// <summary>Sub-orchestration options with these settings and the given instance id.</summary>
    public SubOrchestrationOptions WithInstanceId(string instanceId) => new(this, instanceId);
}

/// <summary>Options for scheduling a sub-orchestration.</summary>
public record SubOrchestrationOptions : TaskOptions
{
    /// <summary>Creates options.</summary>
    public SubOrchestrationOptions(TaskRetryOptions? retry = null, string? instanceId = null)
        : base(retry) => InstanceId = instanceId;

    /// <summary>Creates options from general task options.</summary>
    public SubOrchestrationOptions(TaskOptions options, string? instanceId = null)
        : base(options)
    {
        InstanceId = instanceId ?? (options as SubOrchestrationOptions)?.InstanceId;
    }

    /// <summary>The sub-orchestration's instance id; a deterministic one is made when null.</summary>
    public string? InstanceId { get; init; }
}
