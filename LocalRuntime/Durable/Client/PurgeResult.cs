namespace Microsoft.DurableTask.Client;

/// <summary>The outcome of a purge.</summary>
public sealed class PurgeResult
{
    /// <summary>Creates a purge result.</summary>
    public PurgeResult(int count) => PurgedInstanceCount = count;

    /// <summary>How many instances were purged.</summary>
    public int PurgedInstanceCount { get; }
}

/// <summary>Options for terminating an instance.</summary>
public record TerminateInstanceOptions(object? Output = null, bool Recursive = true);

/// <summary>Options for purging an instance.</summary>
public record PurgeInstanceOptions(bool Recursive = true);
