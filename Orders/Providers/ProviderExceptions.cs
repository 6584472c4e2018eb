using ServerlessTasks.Domain.Model;

namespace ServerlessTasks.Orders.Providers;

/// <summary>A provider call failed in a way a retry may fix (timeout, 5xx, outage): the step's retries apply.</summary>
public sealed class ProviderUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ProviderUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public ProviderUnavailableException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public ProviderUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// A provider refused the request for good (declined, out of stock, undeliverable, fraud): retrying cannot help, so the
/// step fails with its first attempt (a <see cref="NonRetryableTaskException"/>).
/// </summary>
public sealed class ProviderRejectedException : NonRetryableTaskException
{
    /// <summary>Creates the exception.</summary>
    public ProviderRejectedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public ProviderRejectedException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public ProviderRejectedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
