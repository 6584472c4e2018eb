namespace ServerlessTasks.Domain.Clock;

/// <summary>Thrown when a remote stamp is further ahead of the local clock than the configured maximum offset.</summary>
public sealed class HlcClockSkewException : Exception
{
    /// <summary>Creates the exception.</summary>
    public HlcClockSkewException()
        : this("A remote HLC timestamp is too far in the future.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The message.</param>
    public HlcClockSkewException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and inner exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public HlcClockSkewException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a rejected stamp.</summary>
    /// <param name="remote">The rejected stamp.</param>
    /// <param name="lead">How far ahead it was.</param>
    /// <param name="maxOffset">The allowed maximum.</param>
    public HlcClockSkewException(HlcTimestamp remote, TimeSpan lead, TimeSpan maxOffset)
        : base($"Remote HLC timestamp {remote} is {lead.TotalMilliseconds} ms ahead of the local clock; the maximum is {maxOffset.TotalMilliseconds} ms.")
    {
        Remote = remote;
        Lead = lead;
    }

    /// <summary>The rejected stamp.</summary>
    public HlcTimestamp Remote { get; }

    /// <summary>How far ahead of the local clock it was.</summary>
    public TimeSpan Lead { get; }
}
