namespace ServerlessTasks.Functions.Workers;

/// <summary>
/// A task failed on its external worker. <see cref="Retryable"/> false ends the task at once (the worker said
/// retrying cannot help, e.g. invalid input); true goes through the task's retry policy.
/// </summary>
public sealed class ExternalTaskFailedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ExternalTaskFailedException(string message, bool retryable)
        : base(message) => Retryable = retryable;

    /// <summary>Creates the exception (retryable).</summary>
    public ExternalTaskFailedException()
        : this("the external worker failed the task", true)
    {
    }

    /// <summary>Creates the exception (retryable).</summary>
    public ExternalTaskFailedException(string message)
        : this(message, true)
    {
    }

    /// <summary>Creates the exception (retryable).</summary>
    public ExternalTaskFailedException(string message, Exception innerException)
        : base(message, innerException) => Retryable = true;

    /// <summary>Whether the task's retry policy may try again.</summary>
    public bool Retryable { get; }
}
