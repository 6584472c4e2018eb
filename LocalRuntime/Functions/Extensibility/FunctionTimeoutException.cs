namespace LocalRuntime.Functions.Extensibility;

/// <summary>
/// An invocation ran past host.json's <c>functionTimeout</c>: it was cancelled and its worker restarted, as the
/// Functions host does. Whether the function's side effects happened is unknown.
/// </summary>
public sealed class FunctionTimeoutException : TimeoutException
{
    public FunctionTimeoutException()
    {
    }

    public FunctionTimeoutException(string message)
        : base(message)
    {
    }

    public FunctionTimeoutException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
