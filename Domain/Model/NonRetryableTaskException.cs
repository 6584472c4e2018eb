namespace ServerlessTasks.Domain.Model;

/// <summary>
/// A task attempt failed for good (a card declined, out of stock, an address no carrier serves, a 4xx from a
/// dependency): retrying cannot help, so the task fails at once, with this attempt, and its dependents are skipped or
/// compensated. Throw it (or a type derived from it) from an activity; any other exception is retryable and the
/// task's retries with backoff apply. The orchestrator recognises it by the failure's exception type.
/// </summary>
public class NonRetryableTaskException : Exception
{
    /// <summary>Creates the exception.</summary>
    public NonRetryableTaskException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public NonRetryableTaskException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public NonRetryableTaskException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
