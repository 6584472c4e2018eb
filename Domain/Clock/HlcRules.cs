namespace ServerlessTasks.Domain.Clock;

/// <summary>
/// The HLC update rules as pure functions, for deterministic code such as orchestrators (pass the
/// orchestration's current time as the physical clock and keep the previous stamp in state).
/// </summary>
/// <remarks>
/// On the packed value the rules become one line. Local/send: <c>next = max(previous + 1, pt:0)</c>.
/// Receive: <c>next = max(previous + 1, remote + 1, pt:0)</c>. Adding 1 to a packed value whose counter is
/// at 65,535 carries into the physical part, so counter overflow advances the physical component by one
/// millisecond instead of wrapping, and the stamp stays strictly increasing.
/// </remarks>
public static class HlcRules
{
    /// <summary>The stamp for a local or send event.</summary>
    /// <param name="previous">The last stamp this node issued (or restored).</param>
    /// <param name="physicalNow">The node's physical clock now.</param>
    /// <param name="nodeId">The node issuing the stamp.</param>
    public static HlcTimestamp Next(HlcTimestamp previous, DateTimeOffset physicalNow, string nodeId) =>
        HlcTimestamp.FromPacked(NextPacked(previous.Packed, ToPhysical(physicalNow)), nodeId);

    /// <summary>
    /// The stamp for receiving <paramref name="remote"/>, or a rejection when the remote physical time is more
    /// than <paramref name="maxOffset"/> ahead of <paramref name="physicalNow"/> (then nothing should change).
    /// </summary>
    /// <param name="previous">The last stamp this node issued (or restored).</param>
    /// <param name="remote">The stamp carried by the incoming message.</param>
    /// <param name="physicalNow">The node's physical clock now.</param>
    /// <param name="maxOffset">Largest accepted lead of a remote clock; <see cref="TimeSpan.MaxValue"/> disables the check.</param>
    /// <param name="nodeId">The node issuing the stamp.</param>
    public static HlcReceiveResult Receive(HlcTimestamp previous, HlcTimestamp remote, DateTimeOffset physicalNow, TimeSpan maxOffset, string nodeId)
    {
        var physical = ToPhysical(physicalNow);
        var lead = TimeSpan.FromMilliseconds(remote.PhysicalMilliseconds - physical);
        if (lead > maxOffset)
        {
            return HlcReceiveResult.Rejected(lead);
        }

        return HlcReceiveResult.Accepted(HlcTimestamp.FromPacked(ReceivePacked(previous.Packed, remote.Packed, physical), nodeId));
    }

    /// <summary>The packed stamp after a local event at physical time <paramref name="physical"/> (ms).</summary>
    internal static ulong NextPacked(ulong previous, long physical) => Math.Max(Increment(previous), Pack(physical));

    /// <summary>The packed stamp after receiving <paramref name="remote"/> at physical time <paramref name="physical"/> (ms).</summary>
    internal static ulong ReceivePacked(ulong previous, ulong remote, long physical) =>
        Math.Max(Math.Max(Increment(previous), Increment(remote)), Pack(physical));

    /// <summary>Milliseconds since the Unix epoch, clamped into the 48-bit range.</summary>
    internal static long ToPhysical(DateTimeOffset time) =>
        Math.Clamp(time.ToUnixTimeMilliseconds(), 0, HlcTimestamp.MaxPhysicalMilliseconds);

    private static ulong Pack(long physical) => (ulong)physical << 16;

    private static ulong Increment(ulong packed) =>
        packed < ulong.MaxValue
            ? packed + 1
            : throw new OverflowException("The hybrid logical clock reached its largest value.");
}
