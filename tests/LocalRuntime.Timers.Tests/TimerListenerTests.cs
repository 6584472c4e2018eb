using LocalRuntime.Functions.Rpc;
using Microsoft.Extensions.Time.Testing;

namespace LocalRuntime.Timers.Tests;

/// <summary>Timer triggers on a fake clock: each firing exactly once, TimerInfo as the worker expects it.</summary>
public sealed class TimerListenerTests
{
    private static readonly DateTimeOffset Start = TimerHarness.Start;

    [Fact]
    public async Task Cron_FiresEachOccurrenceOnce_TimerInfoCarriesTheStatusBeforeTheRun()
    {
        await using var h = await TimerHarness.StartAsync([TimerHarness.TimerFunction("Tick", "*/10 * * * * *")]);

        await h.ArmedAsync("Tick", Start.AddSeconds(10));
        Assert.Empty(h.Ticks);
        h.Clock.Advance(TimeSpan.FromSeconds(10));
        await h.ArmedAsync("Tick", Start.AddSeconds(20));
        h.Clock.Advance(TimeSpan.FromSeconds(10));
        await h.ArmedAsync("Tick", Start.AddSeconds(30));

        Assert.Equal(2, h.Ticks.Count);
        Assert.Equal(
            """{"Schedule":{"AdjustForDST":true},"ScheduleStatus":{"Last":"0001-01-01T00:00:00+00:00","Next":"2030-01-01T00:00:10+00:00","LastUpdated":"0001-01-01T00:00:00+00:00"},"IsPastDue":false}""",
            h.Ticks[0].GetRawText());
        Assert.Equal(
            """{"Schedule":{"AdjustForDST":true},"ScheduleStatus":{"Last":"2030-01-01T00:00:10+00:00","Next":"2030-01-01T00:00:20+00:00","LastUpdated":"2030-01-01T00:00:10+00:00"},"IsPastDue":false}""",
            h.Ticks[1].GetRawText());
    }

    [Fact]
    public async Task ClockJumpsOverSeveralOccurrences_OneRun_NotPastDue_NextFromNow()
    {
        await using var h = await TimerHarness.StartAsync([TimerHarness.TimerFunction("Tick", "*/10 * * * * *")]);
        await h.ArmedAsync("Tick", Start.AddSeconds(10));

        h.Clock.Advance(TimeSpan.FromSeconds(35));

        await h.ArmedAsync("Tick", Start.AddSeconds(40));
        var tick = Assert.Single(h.Ticks);
        Assert.False(tick.GetProperty("IsPastDue").GetBoolean());
        Assert.Equal(Start.AddSeconds(35), h.Extension.GetState("Tick")!.Status!.Last);
    }

    [Fact]
    public async Task RunOnStartup_RunsOnceAtStart_ThenOnSchedule()
    {
        await using var h = await TimerHarness.StartAsync([TimerHarness.TimerFunction("Daily", "0 0 0 * * *", runOnStartup: true)]);

        await h.ArmedAsync("Daily", Start.AddDays(1));

        var tick = Assert.Single(h.Ticks);
        Assert.False(tick.GetProperty("IsPastDue").GetBoolean());
        Assert.Equal(new ScheduleStatus(Start, Start.AddDays(1), Start), h.Extension.GetState("Daily")!.Status);
    }

    [Fact]
    public async Task Restart_AfterMissedOccurrence_RunsAtOnceAsPastDue_StatusKeptInTheDataFolder()
    {
        using var folder = new TestFolder();
        var clock = new FakeTimeProvider(Start);
        await using (var first = await TimerHarness.StartAsync([TimerHarness.TimerFunction("Hourly", "0 0 * * * *")], clock: clock, folder: folder))
        {
            await first.ArmedAsync("Hourly", Start.AddHours(1));
            clock.Advance(TimeSpan.FromHours(1));
            await first.ArmedAsync("Hourly", Start.AddHours(2));
        }

        // Down for three hours: 02:00 and 03:00 pass unseen.
        clock.Advance(TimeSpan.FromHours(3));
        await using var second = await TimerHarness.StartAsync([TimerHarness.TimerFunction("Hourly", "0 0 * * * *")], clock: clock, folder: folder);

        await second.ArmedAsync("Hourly", Start.AddHours(5));
        var tick = Assert.Single(second.Ticks);
        Assert.True(tick.GetProperty("IsPastDue").GetBoolean());
        Assert.Equal("2030-01-01T02:00:00+00:00", tick.GetProperty("ScheduleStatus").GetProperty("Next").GetString());
        Assert.Equal(new ScheduleStatus(Start.AddHours(4), Start.AddHours(5), Start.AddHours(4)), await new FileScheduleMonitor(Path.Combine(folder.Path, "timers")).GetStatusAsync("Hourly"));
    }

    [Fact]
    public async Task UseMonitorFalse_NoStatusInTimerInfo_NothingWritten_NoPastDueAfterRestart()
    {
        await using var h = await TimerHarness.StartAsync([TimerHarness.TimerFunction("Quick", "00:00:05", useMonitor: false)]);
        await h.ArmedAsync("Quick", Start.AddSeconds(5));

        h.Clock.Advance(TimeSpan.FromSeconds(5));

        await h.ArmedAsync("Quick", Start.AddSeconds(10));
        Assert.Equal("""{"Schedule":{"AdjustForDST":false},"ScheduleStatus":null,"IsPastDue":false}""", Assert.Single(h.Ticks).GetRawText());
        Assert.False(Directory.Exists(Path.Combine(h.Folder.Path, "timers")));
    }

    [Fact]
    public async Task LongRun_NeverOverlaps_OneImmediateRunAfterItThenBackOnSchedule()
    {
        var gate = new TaskCompletionSource<InvocationResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var h = await TimerHarness.StartAsync([TimerHarness.TimerFunction("Slow", "*/10 * * * * *")]);
        var calls = 0;
        h.Respond = _ => Interlocked.Increment(ref calls) == 1 ? gate.Task : Task.FromResult(TimerHarness.Success());
        await h.ArmedAsync("Slow", Start.AddSeconds(10));

        h.Clock.Advance(TimeSpan.FromSeconds(10));
        await Eventually.TrueAsync(() => h.Ticks.Count == 1, "the first run did not start");
        for (var i = 0; i < 5; i++)
        {
            h.Clock.Advance(TimeSpan.FromSeconds(10));
        }

        Assert.Single(h.Ticks);
        Assert.Null(h.Extension.GetState("Slow")!.ArmedFor);
        gate.SetResult(TimerHarness.Success());

        // The run recorded 00:00:20 as next, long past: one catch-up run now (00:01:00), then 00:01:10.
        await h.ArmedAsync("Slow", Start.AddSeconds(70));
        Assert.Equal(2, h.Ticks.Count);
        Assert.Equal("2030-01-01T00:00:20+00:00", h.Ticks[1].GetProperty("ScheduleStatus").GetProperty("Next").GetString());
    }

    [Fact]
    public async Task FailedRun_ScheduleContinues()
    {
        await using var h = await TimerHarness.StartAsync([TimerHarness.TimerFunction("Flaky", "*/10 * * * * *")]);
        h.Respond = _ => Task.FromResult(new InvocationResponse { Result = new StatusResult { Status = StatusResult.Types.Status.Failure } });
        await h.ArmedAsync("Flaky", Start.AddSeconds(10));

        h.Clock.Advance(TimeSpan.FromSeconds(10));
        await h.ArmedAsync("Flaky", Start.AddSeconds(20));
        h.Clock.Advance(TimeSpan.FromSeconds(10));

        await h.ArmedAsync("Flaky", Start.AddSeconds(30));
        Assert.Equal(2, h.Ticks.Count);
    }

    [Fact]
    public async Task ScheduleFromSetting_Resolved_BadOrMissingSettingLeavesOnlyThatFunctionStopped()
    {
        var settings = new Dictionary<string, string?> { ["TickSchedule"] = "0 */5 * * * *", ["Broken"] = "every minute" };
        await using var h = await TimerHarness.StartAsync(
            [
                TimerHarness.TimerFunction("FromSetting", "%TickSchedule%"),
                TimerHarness.TimerFunction("Broken", "%Broken%"),
                TimerHarness.TimerFunction("Missing", "%NoSuchSetting%"),
            ],
            settings);

        await h.ArmedAsync("FromSetting", Start.AddMinutes(5));
        Assert.Equal(["FromSetting"], h.Extension.Timers.Select(t => t.Function));
    }

    [Fact]
    public async Task Stop_WaitsForTheRunningInvocation()
    {
        var gate = new TaskCompletionSource<InvocationResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        var h = await TimerHarness.StartAsync([TimerHarness.TimerFunction("Busy", "*/10 * * * * *", runOnStartup: true)]);
        h.Respond = _ => gate.Task;
        await Eventually.TrueAsync(() => h.Ticks.Count == 1, "the startup run did not start");

        var stop = h.Extension.StopAsync(CancellationToken.None);
        Assert.False(stop.IsCompleted);
        gate.SetResult(TimerHarness.Success());
        await stop.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Single(h.Ticks);
        await h.DisposeAsync();
    }
}
