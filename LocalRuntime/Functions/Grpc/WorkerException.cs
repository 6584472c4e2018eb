namespace LocalRuntime.Functions.Grpc;

/// <summary>An exception the worker reported (in a log or a failed invocation), carried into the host's logs with its type and stack.</summary>
internal sealed class WorkerException : Exception
{
    private readonly string? _stackTrace;

    public WorkerException(string message, string? type, string? stackTrace)
        : base(string.IsNullOrEmpty(type) ? message : $"{type}: {message}")
    {
        _stackTrace = stackTrace;
    }

    public WorkerException()
    {
    }

    public WorkerException(string message)
        : base(message)
    {
    }

    public WorkerException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public override string? StackTrace => _stackTrace ?? base.StackTrace;
}
