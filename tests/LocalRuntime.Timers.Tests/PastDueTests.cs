namespace LocalRuntime.Timers.Tests;

public sealed class PastDueTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly TestFolder _folder = new();
    private readonly FileScheduleMonitor _monitor;
    private readonly TimerSchedule _hourly = TimerSchedule.Parse("0 0 * * * *", TimeZoneInfo.Utc);

    public PastDueTests() => _monitor = new FileScheduleMonitor(_folder.Path);

    [Fact]
    public async Task NoRecord_RecordsNextFromNow_NotPastDue()
    {
        var (late, status) = await PastDue.CheckAsync(_monitor, "T", Now, _hourly, null);

        Assert.Equal(TimeSpan.Zero, late);
        Assert.Equal(new ScheduleStatus(ScheduleStatus.Never, Now.AddHours(1), Now), status);
        Assert.Equal(status, await _monitor.GetStatusAsync("T"));
    }

    [Fact]
    public async Task RecordedNextPassed_PastDueByTheGap()
    {
        var last = new ScheduleStatus(Now.AddHours(-3), Now.AddHours(-2), Now.AddHours(-3));

        var (late, status) = await PastDue.CheckAsync(_monitor, "T", Now, _hourly, last);

        Assert.Equal(TimeSpan.FromHours(2), late);
        Assert.Equal(last, status);
    }

    [Fact]
    public async Task ScheduleChanged_NextRecomputed_NotPastDue()
    {
        // Recorded under an every-6-hours schedule; the hourly one expects another Next.
        var last = new ScheduleStatus(Now.AddHours(-6), Now.AddHours(2), Now.AddHours(-6));

        var (late, status) = await PastDue.CheckAsync(_monitor, "T", Now, _hourly, last);

        Assert.Equal(TimeSpan.Zero, late);
        Assert.Equal(new ScheduleStatus(ScheduleStatus.Never, Now.AddHours(1), Now), status);
        Assert.Equal(status, await _monitor.GetStatusAsync("T"));
    }

    [Fact]
    public async Task Monitor_StatusRoundTripsThroughTheFile_TornFileIsNoRecord()
    {
        var status = new ScheduleStatus(Now, Now.AddHours(1), Now);
        await _monitor.UpdateStatusAsync("Fn.Name", status);

        Assert.Equal(status, await _monitor.GetStatusAsync("Fn.Name"));
        Assert.Equal(Path.Combine(_folder.Path, "Fn.Name", "status"), _monitor.PathOf("Fn.Name"));
        await File.WriteAllTextAsync(_monitor.PathOf("Fn.Name"), "{\"Last\":");
        Assert.Null(await _monitor.GetStatusAsync("Fn.Name"));
    }

    public void Dispose() => _folder.Dispose();
}
