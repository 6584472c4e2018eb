using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using ServerlessTasks.Domain.Clock;

namespace ServerlessTasks.Domain.Tests.Clock;

public class HlcTimestampTests
{
    private static Gen<(long Physical, int Counter)> StampParts() =>
        Gen.Zip(
            Gen.OneOf(Gen.Choose(0, 5).Select(x => (long)x), Gen.Choose(0, int.MaxValue).Select(x => ((long)x << 17) | (uint)x & 0x1FFFF)).Select(p => Math.Min(p, HlcTimestamp.MaxPhysicalMilliseconds)),
            Gen.OneOf(Gen.Choose(0, 3), Gen.Choose(0, HlcTimestamp.MaxCounter), Gen.Constant(HlcTimestamp.MaxCounter)));

    [Property(MaxTest = 500)]
    public Property Packed_AnyTwoStamps_OrderEqualsTupleOrder() =>
        Prop.ForAll(Arb.From(StampParts()), Arb.From(StampParts()), (a, b) =>
        {
            var x = new HlcTimestamp(a.Physical, a.Counter);
            var y = new HlcTimestamp(b.Physical, b.Counter);
            var tupleOrder = (a.Physical, a.Counter).CompareTo((b.Physical, b.Counter));

            Assert.Equal(Math.Sign(tupleOrder), Math.Sign(x.Packed.CompareTo(y.Packed)));
            Assert.Equal(Math.Sign(tupleOrder), Math.Sign(x.CompareTo(y)));
            Assert.Equal(Math.Sign(tupleOrder), Math.Sign(string.CompareOrdinal(x.ToString(), y.ToString())));
            Assert.Equal((a.Physical, a.Counter), (x.PhysicalMilliseconds, x.Counter));
        });

    [Fact]
    public void ToString_WithNode_HexPackedAtNode()
    {
        var stamp = new HlcTimestamp(0x18D2F3A1B2C, 1, "host-1");

        Assert.Equal("018D2F3A1B2C0001@host-1", stamp.ToString());
        Assert.Equal(stamp, HlcTimestamp.Parse("018D2F3A1B2C0001@host-1"));
        Assert.Equal(new HlcTimestamp(5, 2), HlcTimestamp.Parse("0000000000050002"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("0000018D2F3A1B2")]
    [InlineData("0000018D2F3A1B2G0001")]
    [InlineData("018D2F3A1B2C0001x")]
    [InlineData("+000018D2F3A1B2C")]
    public void TryParse_Malformed_False(string text)
    {
        Assert.False(HlcTimestamp.TryParse(text, out _));
    }

    [Fact]
    public void Json_RoundTrip_StringForm()
    {
        var stamp = new HlcTimestamp(1_700_000_000_000, 7, "n1");

        var json = JsonSerializer.Serialize(new { hlc = stamp });

        Assert.Equal("{\"hlc\":\"018BCFE568000007@n1\"}", json);
        Assert.Equal(stamp, JsonSerializer.Deserialize<HlcTimestamp>("\"018BCFE568000007@n1\""));
    }

    [Fact]
    public void CompareTo_SamePackedDifferentNodes_OrderedByNodeId()
    {
        Assert.True(new HlcTimestamp(10, 0, "a") < new HlcTimestamp(10, 0, "b"));
        Assert.True(new HlcTimestamp(10, 0, "z") < new HlcTimestamp(10, 1, "a"));
    }

    [Fact]
    public void Constructor_OutOfRange_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new HlcTimestamp(HlcTimestamp.MaxPhysicalMilliseconds + 1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new HlcTimestamp(0, HlcTimestamp.MaxCounter + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new HlcTimestamp(-1, 0));
    }
}
