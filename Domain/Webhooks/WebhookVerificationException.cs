namespace ServerlessTasks.Domain.Webhooks;

/// <summary>Thrown by <see cref="WebhookVerifier.VerifyOrThrow"/> when a webhook is not authentic or not fresh.</summary>
public sealed class WebhookVerificationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public WebhookVerificationException()
        : this("The webhook could not be verified.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The message.</param>
    public WebhookVerificationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and inner exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public WebhookVerificationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception from a failed result.</summary>
    /// <param name="result">The result.</param>
    public WebhookVerificationException(WebhookVerificationResult result)
        : base(result.Message)
    {
        Status = result.Status;
    }

    /// <summary>Why verification failed.</summary>
    public WebhookVerificationStatus Status { get; } = WebhookVerificationStatus.NoMatchingSignature;
}
