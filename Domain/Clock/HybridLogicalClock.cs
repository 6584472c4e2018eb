using ServerlessTasks.Domain.Validation;

namespace ServerlessTasks.Domain.Clock;

/// <summary>
/// A thread-safe hybrid logical clock for one node. Stamps are strictly increasing even when the physical
/// clock steps backwards, stay at or above physical time, and are greater than every stamp received.
/// </summary>
/// <remarks>
/// <para>State is one packed 64-bit value updated with a lock-free compare-and-swap loop.</para>
/// <para><b>Restarts.</b> Persist <see cref="Current"/> (e.g. with every event written) and pass it as
/// <c>highWaterMark</c> when the node starts again: no stamp below it is ever issued, even if the physical
/// clock is now behind it.</para>
/// <para><b>Max offset.</b> A remote stamp whose physical part is more than <see cref="MaxOffset"/> ahead of
/// the local physical clock is rejected without moving the clock, so one bad clock cannot drag every
/// node's stamps into the future.</para>
/// </remarks>
public sealed class HybridLogicalClock
{
    /// <summary>The maximum offset used when none is given: one minute.</summary>
    public static readonly TimeSpan DefaultMaxOffset = TimeSpan.FromMinutes(1);

    private readonly TimeProvider timeProvider;
    private ulong last;

    /// <summary>Creates a clock.</summary>
    /// <param name="nodeId">This node's id (safe storage key, at most 128 characters).</param>
    /// <param name="timeProvider">The physical clock.</param>
    /// <param name="maxOffset">Largest accepted lead of a remote clock; <see cref="DefaultMaxOffset"/> when null.</param>
    /// <param name="highWaterMark">The largest stamp issued before a restart, if known.</param>
    public HybridLogicalClock(string nodeId, TimeProvider timeProvider, TimeSpan? maxOffset = null, HlcTimestamp? highWaterMark = null)
    {
        if (!StorageKeyRules.IsSafe(nodeId, 128))
        {
            throw new ArgumentException($"Node id '{nodeId}' is not a safe id.", nameof(nodeId));
        }

        var offset = maxOffset ?? DefaultMaxOffset;
        ArgumentOutOfRangeException.ThrowIfLessThan(offset, TimeSpan.Zero, nameof(maxOffset));
        NodeId = nodeId;
        MaxOffset = offset;
        this.timeProvider = timeProvider;
        last = highWaterMark?.Packed ?? 0;
    }

    /// <summary>This node's id, attached to every stamp it issues.</summary>
    public string NodeId { get; }

    /// <summary>Largest accepted lead of a remote clock.</summary>
    public TimeSpan MaxOffset { get; }

    /// <summary>The largest stamp issued or restored so far: the high-water mark to persist.</summary>
    public HlcTimestamp Current => HlcTimestamp.FromPacked(Volatile.Read(ref last), NodeId);

    /// <summary>A stamp for a local or send event.</summary>
    public HlcTimestamp Now()
    {
        var physical = HlcRules.ToPhysical(timeProvider.GetUtcNow());
        while (true)
        {
            var observed = Volatile.Read(ref last);
            var next = HlcRules.NextPacked(observed, physical);
            if (Interlocked.CompareExchange(ref last, next, observed) == observed)
            {
                return HlcTimestamp.FromPacked(next, NodeId);
            }
        }
    }

    /// <summary>Merges a received stamp and returns the stamp of the receive event.</summary>
    /// <param name="remote">The stamp carried by the message.</param>
    /// <returns>A stamp greater than <paramref name="remote"/> and than every earlier local stamp.</returns>
    /// <exception cref="HlcClockSkewException">The remote clock is more than <see cref="MaxOffset"/> ahead; the clock did not move.</exception>
    public HlcTimestamp Receive(HlcTimestamp remote)
    {
        var result = TryReceive(remote);
        return result.IsAccepted ? result.Timestamp : throw new HlcClockSkewException(remote, result.RemoteLead, MaxOffset);
    }

    /// <summary>Merges a received stamp, or rejects it (without moving the clock) when it is too far ahead.</summary>
    /// <param name="remote">The stamp carried by the message.</param>
    public HlcReceiveResult TryReceive(HlcTimestamp remote)
    {
        var physical = HlcRules.ToPhysical(timeProvider.GetUtcNow());
        var lead = TimeSpan.FromMilliseconds(remote.PhysicalMilliseconds - physical);
        if (lead > MaxOffset)
        {
            return HlcReceiveResult.Rejected(lead);
        }

        while (true)
        {
            var observed = Volatile.Read(ref last);
            var next = HlcRules.ReceivePacked(observed, remote.Packed, physical);
            if (Interlocked.CompareExchange(ref last, next, observed) == observed)
            {
                return HlcReceiveResult.Accepted(HlcTimestamp.FromPacked(next, NodeId));
            }
        }
    }

    /// <summary>Raises the high-water mark (e.g. to a persisted value read after start); never lowers it.</summary>
    /// <param name="highWaterMark">A stamp no later stamp may be below.</param>
    public void Restore(HlcTimestamp highWaterMark)
    {
        while (true)
        {
            var observed = Volatile.Read(ref last);
            if (highWaterMark.Packed <= observed || Interlocked.CompareExchange(ref last, highWaterMark.Packed, observed) == observed)
            {
                return;
            }
        }
    }
}
