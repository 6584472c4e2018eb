namespace LocalRuntime.Functions.Extensibility;

/// <summary>
/// An invocation no worker completed: the worker process exited (or its stream dropped) while it was in flight, or the host
/// is stopping. Whether the function ran is unknown; callers retry or let the work be redelivered.
/// </summary>
public sealed class WorkerUnavailableException : Exception
{
    public WorkerUnavailableException()
    {
    }

    public WorkerUnavailableException(string message)
        : base(message)
    {
    }

    public WorkerUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
