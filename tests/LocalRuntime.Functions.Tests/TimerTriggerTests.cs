using Microsoft.Extensions.Time.Testing;

namespace LocalRuntime.Functions.Tests;

/// <summary>Timer triggers on the host's (fake) clock.</summary>
public sealed class TimerTriggerTests
{
    private static readonly DateTimeOffset Start = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Timer_FakeClock_FiresOnSchedule_LateRunIsPastDueAndNotRepeated()
    {
        var clock = new FakeTimeProvider(Start);
        await using var app = await TestApp.StartAsync(new Dictionary<string, string> { ["TestTimerSchedule"] = "*/10 * * * * *" }, clock: clock);
        var tick = app.Triggers.Timer(nameof(TimerFunctions.Tick));

        await Eventually.TrueAsync(() => tick.NextOccurrence == Start.AddSeconds(10), "the timer did not arm for 00:00:10");
        Assert.Empty(app.Probe.Ticks);
        clock.Advance(TimeSpan.FromSeconds(10));

        await Eventually.TrueAsync(() => tick.NextOccurrence == Start.AddSeconds(20), "the timer did not re-arm for 00:00:20");
        var first = Assert.Single(app.Probe.Ticks);
        Assert.False(first.IsPastDue);
        Assert.Equal(Start.AddSeconds(20).UtcDateTime, first.ScheduleStatus!.Next);
        Assert.Equal(Start.AddSeconds(10).UtcDateTime, first.ScheduleStatus.LastUpdated);

        // 35 s at once: three occurrences pass, one late run happens.
        clock.Advance(TimeSpan.FromSeconds(35));

        await Eventually.TrueAsync(() => tick.NextOccurrence == Start.AddSeconds(50), "the timer did not re-arm for 00:00:50");
        Assert.Equal(2, app.Probe.Ticks.Count);
        var late = app.Probe.Ticks.Last();
        Assert.True(late.IsPastDue);
        Assert.Equal(Start.AddSeconds(10).UtcDateTime, late.ScheduleStatus!.Last);
        Assert.Equal(Start.AddSeconds(30).UtcDateTime, late.ScheduleStatus.Next);
    }

    [Fact]
    public async Task RunOnStartup_RunsOnceWhenTheHostStarts()
    {
        var clock = new FakeTimeProvider(Start);
        await using var app = await TestApp.StartAsync(clock: clock);

        await Eventually.TrueAsync(() => app.Probe.Events.Contains("startup:False"), "the startup timer did not run");
        await Eventually.TrueAsync(() => app.Triggers.Timer(nameof(TimerFunctions.OnStartup)).NextOccurrence == new DateTimeOffset(2031, 1, 1, 0, 0, 0, TimeSpan.Zero), "not re-armed");
        Assert.Equal(1, app.Probe.Count("startup:"));
    }

    [Fact]
    public async Task IntervalSchedule_FiresEveryInterval()
    {
        var clock = new FakeTimeProvider(Start);
        await using var app = await TestApp.StartAsync(new Dictionary<string, string> { ["TestTimerSchedule"] = "00:05:00" }, clock: clock);
        var tick = app.Triggers.Timer(nameof(TimerFunctions.Tick));

        await Eventually.TrueAsync(() => tick.NextOccurrence == Start.AddMinutes(5), "not armed");
        clock.Advance(TimeSpan.FromMinutes(5));

        await Eventually.TrueAsync(() => tick.NextOccurrence == Start.AddMinutes(10), "not re-armed");
        Assert.Single(app.Probe.Ticks);
    }

    [Theory]
    [InlineData("not a schedule", "NCRONTAB")]
    [InlineData("%NoSuchSetting%", "NoSuchSetting")]
    public void BadSchedule_FailsTheBuild(string schedule, string mention)
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            TestApp.Build(new Dictionary<string, string> { ["TestTimerSchedule"] = schedule }, null, null, "Warning", out _));

        Assert.Contains(mention, error.Message, StringComparison.Ordinal);
    }
}
