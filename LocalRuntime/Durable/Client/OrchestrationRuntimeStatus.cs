namespace Microsoft.DurableTask.Client;

/// <summary>The runtime status of an orchestration instance (values as Durable Functions uses them).</summary>
public enum OrchestrationRuntimeStatus
{
    /// <summary>Running.</summary>
    Running = 0,
    /// <summary>Completed successfully.</summary>
    Completed = 1,
    /// <summary>Continued as new (transient).</summary>
    ContinuedAsNew = 2,
    /// <summary>Failed.</summary>
    Failed = 3,
    /// <summary>Canceled.</summary>
    Canceled = 4,
    /// <summary>Terminated by a client.</summary>
    Terminated = 5,
    /// <summary>Scheduled but not yet started.</summary>
    Pending = 6,
    /// <summary>Suspended by a client.</summary>
    Suspended = 7,
}
