using ServerlessTasks.Domain.Scheduling;

namespace ServerlessTasks.Domain.Tests.Scheduling;

public class RetryBackoffTests
{
    [Fact]
    public void GetBaseDelay_Doubling_CappedAtMax()
    {
        var backoff = new RetryBackoff { InitialDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(10) };

        Assert.Equal(
            [1, 2, 4, 8, 10, 10],
            Enumerable.Range(1, 6).Select(n => backoff.GetBaseDelay(n).TotalSeconds));
        Assert.Equal(TimeSpan.FromSeconds(10), backoff.GetBaseDelay(100_000));
    }

    [Fact]
    public void Of_NoRetry_TheDefault()
    {
        Assert.Same(RetryBackoff.Default, RetryBackoff.Of(null));
        Assert.Equal(RetryBackoff.Default, RetryBackoff.Of(new Model.RetrySpec()));
    }

    [Fact]
    public void Of_FieldsSet_ReplaceOnlyThoseOfTheDefault()
    {
        var backoff = RetryBackoff.Of(new Model.RetrySpec(DelaySeconds: 0.1, Multiplier: 8));

        Assert.Equal([0.1, 0.8, 6.4], Enumerable.Range(1, 3).Select(n => Math.Round(backoff.GetBaseDelay(n).TotalSeconds, 6)));
        Assert.Equal(RetryBackoff.Default.MaxDelay, backoff.MaxDelay);
        Assert.Equal(RetryBackoff.Default.JitterFraction, backoff.JitterFraction);
        Assert.Equal(TimeSpan.FromSeconds(3), RetryBackoff.Of(new Model.RetrySpec(MaxDelaySeconds: 3)).GetBaseDelay(5));
    }

    [Fact]
    public void GetDelay_NoJitter_EqualsBase()
    {
        var backoff = new RetryBackoff { JitterFraction = 0 };

        Assert.Equal(TimeSpan.FromSeconds(8), backoff.GetDelay(4, "wf", "task"));
    }

    [Fact]
    public void GetDelay_SameInputs_SameDelayAcrossCalls()
    {
        var backoff = RetryBackoff.Default;

        Assert.Equal(backoff.GetDelay(3, "wf-1", "pay"), backoff.GetDelay(3, "wf-1", "pay"));
        Assert.Equal(backoff.GetDelay(3, RetryBackoff.CreateSeed("wf-1", "pay")), backoff.GetDelay(3, "wf-1", "pay"));
    }

    [Fact]
    public void CreateSeed_PinnedValue_StableAcrossVersions()
    {
        // Orchestrator replays recompute retry delays: this value must never change.
        Assert.Equal(PinnedSeed, RetryBackoff.CreateSeed("wf-1", "pay"));
        Assert.NotEqual(RetryBackoff.CreateSeed("wf-1", "pay"), RetryBackoff.CreateSeed("wf-1p", "ay"));
    }

    [Fact]
    public void GetDelay_ManyTasks_WithinJitterBandAndSpread()
    {
        var backoff = new RetryBackoff { InitialDelay = TimeSpan.FromSeconds(10), JitterFraction = 0.5 };
        var delays = Enumerable.Range(0, 2000).Select(i => backoff.GetDelay(1, "wf", $"t{i}")).ToList();

        Assert.All(delays, d => Assert.InRange(d, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10)));
        Assert.True(delays.Distinct().Count() > 1990);
        Assert.InRange(delays.Average(d => d.TotalSeconds), 7.3, 7.7);
    }

    [Fact]
    public void GetDelay_RetryAfterLonger_HonoursRetryAfter()
    {
        var backoff = new RetryBackoff { JitterFraction = 0 };

        Assert.Equal(TimeSpan.FromSeconds(30), backoff.GetDelay(1, 42UL, TimeSpan.FromSeconds(30)));
        Assert.Equal(TimeSpan.FromSeconds(1), backoff.GetDelay(1, 42UL, TimeSpan.FromMilliseconds(10)));
    }

    [Fact]
    public void Init_InvalidSettings_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RetryBackoff { Multiplier = 0.5 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new RetryBackoff { JitterFraction = 1.5 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new RetryBackoff { InitialDelay = TimeSpan.FromSeconds(-1) });
        Assert.Throws<ArgumentOutOfRangeException>(() => RetryBackoff.Default.GetBaseDelay(0));
    }

    [Theory]
    [InlineData(1, 3, true)]
    [InlineData(3, 3, true)]
    [InlineData(4, 3, false)]
    [InlineData(1, 0, false)]
    public void ShouldRetry_AttemptAndMax_Expected(int attempt, int maxRetries, bool expected)
    {
        Assert.Equal(expected, RetryBackoff.ShouldRetry(attempt, maxRetries));
    }

    private const ulong PinnedSeed = 1540778216689777149UL;
}
