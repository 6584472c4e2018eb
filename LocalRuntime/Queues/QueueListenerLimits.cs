namespace LocalRuntime.Queues;

/// <summary>The listener's fixed intervals, public for validation and documentation.</summary>
public static class QueueListenerLimits
{
    /// <summary>The shortest allowed <c>maxPollingInterval</c> (the extension's minimum poll interval).</summary>
    public static TimeSpan MinimumPollingInterval => QueueListener.MinimumPollingInterval;

    /// <summary>How long a message is hidden while its function runs (renewed at half time).</summary>
    public static TimeSpan Lease => QueueListener.Lease;
}
