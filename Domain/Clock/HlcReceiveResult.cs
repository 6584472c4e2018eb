namespace ServerlessTasks.Domain.Clock;

/// <summary>The outcome of merging a remote stamp.</summary>
/// <param name="IsAccepted">False when the remote clock was too far ahead; the local clock did not move.</param>
/// <param name="Timestamp">The new local stamp when accepted; default otherwise.</param>
/// <param name="RemoteLead">How far the remote physical time was ahead of the local clock when rejected.</param>
public readonly record struct HlcReceiveResult(bool IsAccepted, HlcTimestamp Timestamp, TimeSpan RemoteLead)
{
    /// <summary>An accepted merge.</summary>
    /// <param name="timestamp">The new local stamp.</param>
    public static HlcReceiveResult Accepted(HlcTimestamp timestamp) => new(true, timestamp, TimeSpan.Zero);

    /// <summary>A rejected merge.</summary>
    /// <param name="remoteLead">How far ahead the remote was.</param>
    public static HlcReceiveResult Rejected(TimeSpan remoteLead) => new(false, default, remoteLead);
}
