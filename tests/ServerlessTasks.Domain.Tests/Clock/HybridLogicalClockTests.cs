using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Microsoft.Extensions.Time.Testing;
using ServerlessTasks.Domain.Clock;

namespace ServerlessTasks.Domain.Tests.Clock;

public class HybridLogicalClockTests
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan MaxOffset = TimeSpan.FromSeconds(2);

    /// <summary>One step of a single node's life: move its physical clock, then act.</summary>
    /// <param name="ClockStepMs">Physical clock change (negative = NTP step backwards).</param>
    /// <param name="ReceiveLeadMs">When not null, receive a stamp this far ahead of local physical time instead of a local event.</param>
    /// <param name="RemoteCounter">Counter of the received stamp.</param>
    public sealed record Step(int ClockStepMs, int? ReceiveLeadMs, int RemoteCounter);

    private static Gen<Step> StepGen() =>
        from clockStep in Gen.Frequency((6, Gen.Choose(0, 5)), (2, Gen.Choose(-3000, -1)), (1, Gen.Choose(1, 5000)))
        from lead in Gen.Frequency((3, Gen.Constant<int?>(null)), (2, Gen.Choose(-5000, 1999).Select(x => (int?)x)))
        from counter in Gen.Choose(0, HlcTimestamp.MaxCounter)
        select new Step(clockStep, lead, counter);

    [Property(MaxTest = 300)]
    public Property NowAndReceive_BackwardPhysicalSteps_StrictlyMonotonicAndAtLeastPhysical() =>
        Prop.ForAll(Arb.From(Gen.ListOf(StepGen())), steps =>
        {
            var time = new SteppingTimeProvider(T0);
            var clock = new HybridLogicalClock("n1", time, MaxOffset);
            var previous = clock.Current;
            foreach (var step in steps)
            {
                time.Step(TimeSpan.FromMilliseconds(step.ClockStepMs));
                var physical = time.GetUtcNow().ToUnixTimeMilliseconds();
                HlcTimestamp stamp;
                if (step.ReceiveLeadMs is { } lead)
                {
                    var remote = new HlcTimestamp(physical + lead, step.RemoteCounter, "other");
                    stamp = clock.Receive(remote);
                    Assert.True(stamp.Packed > remote.Packed, "receive must exceed the sent stamp");
                }
                else
                {
                    stamp = clock.Now();
                }

                Assert.True(stamp.Packed > previous.Packed, "stamps must strictly increase");
                Assert.True(stamp.PhysicalMilliseconds >= physical, "l >= physical time");
                Assert.Equal("n1", stamp.NodeId);
                previous = stamp;
            }
        });

    /// <summary>Messages between three nodes whose clocks differ by at most the skew, advancing only forwards.</summary>
    /// <param name="SkewsMs">Each node's clock offset from true time (|offset| &lt;= 1000 ms, so pairwise &lt;= 2000 ms = max offset).</param>
    /// <param name="Events">(advance ms, from node, to node, deliver now?) events.</param>
    public sealed record Network(int[] SkewsMs, (int AdvanceMs, int From, int To, bool Deliver)[] Events);

    private static Gen<Network> NetworkGen() =>
        from skews in Gen.ArrayOf(Gen.Choose(-1000, 1000), 3)
        from events in Gen.ListOf(
            from advance in Gen.Frequency((3, Gen.Constant(0)), (2, Gen.Choose(1, 50)))
            from a in Gen.Choose(0, 2)
            from b in Gen.Choose(0, 2)
            from deliver in Gen.Elements(true, true, false)
            select (advance, a, b, deliver))
        select new Network(skews, events.ToArray());

    [Property(MaxTest = 300)]
    public Property Receive_MessagesBetweenSkewedNodes_CausalityAndBoundedDrift() =>
        Prop.ForAll(Arb.From(NetworkGen()), net =>
        {
            var times = net.SkewsMs.Select(s => new FakeTimeProvider(T0.AddMilliseconds(s))).ToArray();
            var clocks = times.Select((t, i) => new HybridLogicalClock($"n{i}", t, MaxOffset)).ToArray();
            var inFlight = new List<(int To, HlcTimestamp Sent)>();
            foreach (var (advance, from, to, deliver) in net.Events)
            {
                foreach (var t in times)
                {
                    t.Advance(TimeSpan.FromMilliseconds(advance));
                }

                inFlight.Add((to, clocks[from].Now()));
                if (deliver)
                {
                    var (target, sent) = inFlight[0];
                    inFlight.RemoveAt(0);
                    var before = clocks[target].Current;
                    var received = clocks[target].Receive(sent); // never rejected: skew <= max offset

                    Assert.True(received > sent && received.Packed > sent.Packed, "receive > send");
                    Assert.True(received.Packed > before.Packed, "receive > previous local");
                }

                for (var i = 0; i < clocks.Length; i++)
                {
                    var drift = clocks[i].Current.PhysicalMilliseconds - times[i].GetUtcNow().ToUnixTimeMilliseconds();
                    Assert.InRange(drift, long.MinValue, (long)MaxOffset.TotalMilliseconds);
                }
            }
        });

    [Property(MaxTest = 200)]
    public Property Restart_PersistedHighWaterMark_NeverIssuesBelowIt() =>
        Prop.ForAll(
            Arb.From(Gen.Choose(1, 200)),
            Arb.From(Gen.Choose(-600_000, 600_000)),
            (eventsBefore, clockJumpMs) =>
            {
                var time = new SteppingTimeProvider(T0);
                var clock = new HybridLogicalClock("n1", time);
                for (var i = 0; i < eventsBefore; i++)
                {
                    clock.Now();
                    time.Step(TimeSpan.FromMilliseconds(i % 3));
                }

                var persisted = clock.Current;
                time.Set(T0.AddMilliseconds(clockJumpMs)); // the restarted host's clock may be behind or ahead
                var restarted = new HybridLogicalClock("n1", time, highWaterMark: persisted);

                Assert.True(restarted.Now().Packed > persisted.Packed);
                Assert.True(restarted.Current.Packed > persisted.Packed);
            });

    [Fact]
    public void TryReceive_RemoteBeyondMaxOffset_RejectedClockUnchanged()
    {
        var time = new FakeTimeProvider(T0);
        var clock = new HybridLogicalClock("n1", time, MaxOffset);
        var before = clock.Now();
        var remote = new HlcTimestamp(T0.ToUnixTimeMilliseconds() + 2001, 0, "far");

        var result = clock.TryReceive(remote);

        Assert.False(result.IsAccepted);
        Assert.Equal(TimeSpan.FromMilliseconds(2001), result.RemoteLead);
        Assert.Equal(before, clock.Current);
        var error = Assert.Throws<HlcClockSkewException>(() => clock.Receive(remote));
        Assert.Equal(remote, error.Remote);
        Assert.Equal(before, clock.Current);
        Assert.True(clock.TryReceive(new HlcTimestamp(T0.ToUnixTimeMilliseconds() + 2000, 0, "edge")).IsAccepted);
    }

    [Fact]
    public void Now_CounterOverflowWithFrozenClock_AdvancesPhysicalNotWraps()
    {
        var time = new FakeTimeProvider(T0);
        var clock = new HybridLogicalClock("n1", time);
        var physical = T0.ToUnixTimeMilliseconds();

        var stamps = Enumerable.Range(0, HlcTimestamp.MaxCounter + 3).Select(_ => clock.Now()).ToList();

        Assert.Equal(new HlcTimestamp(physical, 0, "n1"), stamps[0]);
        Assert.Equal(new HlcTimestamp(physical, HlcTimestamp.MaxCounter, "n1"), stamps[HlcTimestamp.MaxCounter]);
        Assert.Equal(new HlcTimestamp(physical + 1, 0, "n1"), stamps[HlcTimestamp.MaxCounter + 1]);
        Assert.Equal(new HlcTimestamp(physical + 1, 1, "n1"), stamps[HlcTimestamp.MaxCounter + 2]);
        Assert.True(stamps.Zip(stamps.Skip(1)).All(p => p.First < p.Second));
    }

    [Fact]
    public void Receive_RemoteAtMaxCounter_CarriesIntoPhysical()
    {
        var time = new FakeTimeProvider(T0);
        var clock = new HybridLogicalClock("n1", time);
        var physical = T0.ToUnixTimeMilliseconds();

        var stamp = clock.Receive(new HlcTimestamp(physical + 10, HlcTimestamp.MaxCounter, "n2"));

        Assert.Equal(new HlcTimestamp(physical + 11, 0, "n1"), stamp);
    }

    [Fact]
    public void Receive_KulkarniCases_ExactStamps()
    {
        var time = new FakeTimeProvider(T0);
        var pt = T0.ToUnixTimeMilliseconds();
        var clock = new HybridLogicalClock("n1", time, highWaterMark: new HlcTimestamp(pt + 5, 3));

        Assert.Equal(new HlcTimestamp(pt + 5, 8, "n1"), clock.Receive(new HlcTimestamp(pt + 5, 7))); // equal l: max(c, c') + 1
        Assert.Equal(new HlcTimestamp(pt + 5, 9, "n1"), clock.Receive(new HlcTimestamp(pt + 4, 50))); // local ahead: c + 1
        Assert.Equal(new HlcTimestamp(pt + 6, 2, "n1"), clock.Receive(new HlcTimestamp(pt + 6, 1))); // remote ahead: c' + 1
        time.Advance(TimeSpan.FromMilliseconds(10));
        Assert.Equal(new HlcTimestamp(pt + 10, 0, "n1"), clock.Receive(new HlcTimestamp(pt + 7, 0))); // physical ahead: 0
    }

    [Fact]
    public void Restore_LowerMark_DoesNotMoveClockBack()
    {
        var time = new FakeTimeProvider(T0);
        var clock = new HybridLogicalClock("n1", time);
        var issued = clock.Now();

        clock.Restore(new HlcTimestamp(1, 0));
        Assert.Equal(issued, clock.Current);
        clock.Restore(new HlcTimestamp(issued.PhysicalMilliseconds + 100, 0));
        Assert.Equal(new HlcTimestamp(issued.PhysicalMilliseconds + 100, 1, "n1"), clock.Now());
    }

    [Fact]
    public void Now_ConcurrentCallers_AllStampsDistinct()
    {
        var clock = new HybridLogicalClock("n1", new FakeTimeProvider(T0));
        var perThread = new HlcTimestamp[8][];

        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, t =>
        {
            perThread[t] = Enumerable.Range(0, 20_000).Select(_ => clock.Now()).ToArray();
        });

        var all = perThread.SelectMany(s => s).ToList();
        Assert.Equal(160_000, all.Select(s => s.Packed).Distinct().Count());
        Assert.All(perThread, stamps => Assert.True(stamps.Zip(stamps.Skip(1)).All(p => p.First < p.Second)));
        Assert.Equal(all.Max(), clock.Current);
    }

    [Fact]
    public void HlcRules_PureNextAndReceive_MatchClock()
    {
        var pt = T0.ToUnixTimeMilliseconds();
        var previous = new HlcTimestamp(pt + 3, 4, "orch");

        Assert.Equal(new HlcTimestamp(pt + 3, 5, "orch"), HlcRules.Next(previous, T0, "orch"));
        Assert.Equal(new HlcTimestamp(pt + 9, 0, "orch"), HlcRules.Next(previous, T0.AddMilliseconds(9), "orch"));
        Assert.Equal(
            HlcReceiveResult.Accepted(new HlcTimestamp(pt + 4, 1, "orch")),
            HlcRules.Receive(previous, new HlcTimestamp(pt + 4, 0, "act"), T0, MaxOffset, "orch"));
        Assert.False(HlcRules.Receive(previous, new HlcTimestamp(pt + 60_000, 0), T0, MaxOffset, "orch").IsAccepted);
    }

    [Fact]
    public void Constructor_UnsafeNodeId_Throws()
    {
        Assert.Throws<ArgumentException>(() => new HybridLogicalClock("a/b", TimeProvider.System));
    }
}
