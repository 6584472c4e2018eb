using ServerlessTasks.Domain.Orders;
using ServerlessTasks.Domain.Scheduling;

namespace ServerlessTasks.Domain.Tests.Orders;

public class OrderPolicyTests
{
    [Fact]
    public void RetryBackoffOf_Vip_RetriesAfter100And800Then6400Ms()
    {
        var backoff = OrderPolicy.Default.RetryBackoffOf(CustomerTier.Vip);

        Assert.Equal(TimeSpan.FromMilliseconds(100), backoff.GetBaseDelay(1));
        Assert.Equal(TimeSpan.FromMilliseconds(800), backoff.GetBaseDelay(2));
        Assert.Equal(TimeSpan.FromMilliseconds(6400), backoff.GetBaseDelay(3));
        Assert.Equal(RetryBackoff.Default.JitterFraction, backoff.JitterFraction);
    }

    [Fact]
    public void RetryBackoffOf_Regular_IsTheServiceDefault()
    {
        Assert.Equal(RetryBackoff.Default, OrderPolicy.Default.RetryBackoffOf(CustomerTier.Regular));
    }

    [Fact]
    public void RetryWindowOf_Vip_NoShorterThanRegular()
    {
        // A VIP step retries sooner, but an outage a regular step rides out must not exhaust a VIP step's retries.
        Assert.Equal(TimeSpan.FromMilliseconds(7300), OrderPolicy.Default.RetryWindowOf(CustomerTier.Vip));
        Assert.Equal(TimeSpan.FromSeconds(7), OrderPolicy.Default.RetryWindowOf(CustomerTier.Regular));
    }

    [Fact]
    public void RetryBackoffOf_VipFirstTwoRetries_SoonerThanRegularFirst()
    {
        var vip = OrderPolicy.Default.RetryBackoffOf(CustomerTier.Vip);
        var regular = OrderPolicy.Default.RetryBackoffOf(CustomerTier.Regular);

        // Before jitter, two transient failures cost a VIP order less than one costs a regular order.
        Assert.True(vip.GetBaseDelay(1) + vip.GetBaseDelay(2) < regular.GetBaseDelay(1));
    }
}
