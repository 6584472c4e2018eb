namespace ServerlessTasks.Activities.Http;

/// <summary>The SSRF guard refused a connection: the host resolved to an address that is not allowed.</summary>
public sealed class OutboundAddressRefusedException : IOException
{
    /// <summary>Creates the exception.</summary>
    public OutboundAddressRefusedException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public OutboundAddressRefusedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public OutboundAddressRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
