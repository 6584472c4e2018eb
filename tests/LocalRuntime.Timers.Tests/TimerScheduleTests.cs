namespace LocalRuntime.Timers.Tests;

public sealed class TimerScheduleTests
{
    private static readonly DateTimeOffset Start = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("*/10 * * * * *", "2030-01-01T00:00:10+00:00")]
    [InlineData("0 */5 * * * *", "2030-01-01T00:05:00+00:00")]
    [InlineData("0 30 9 * * 1-5", "2030-01-01T09:30:00+00:00")]
    [InlineData("0 0 0 1 JAN *", "2031-01-01T00:00:00+00:00")]
    [InlineData("*/15 * * * *", "2030-01-01T00:15:00+00:00")]
    [InlineData("00:05:00", "2030-01-01T00:05:00+00:00")]
    [InlineData("1.00:00:00", "2030-01-02T00:00:00+00:00")]
    public void Parse_Expression_NextOccurrenceStrictlyAfter(string expression, string expected)
    {
        var schedule = TimerSchedule.Parse(expression, TimeZoneInfo.Utc);

        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), schedule.GetNextOccurrence(Start));
    }

    [Theory]
    [InlineData("not a schedule")]
    [InlineData("* * * * * * *")]
    [InlineData("61 * * * * *")]
    [InlineData("00:00:00")]
    [InlineData("-00:01:00")]
    public void Parse_Invalid_ThrowsFormatException(string expression)
    {
        Assert.Throws<FormatException>(() => TimerSchedule.Parse(expression, TimeZoneInfo.Utc));
    }

    [Fact]
    public void Cron_InAZoneWithDaylightSaving_FiresAtWallClockTime_SkipsTheMissingHour()
    {
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        var daily = TimerSchedule.Parse("0 30 2 * * *", berlin);

        // 2030-03-31: clocks jump 02:00 -> 03:00 in Berlin, so 02:30 does not exist that day.
        var beforeJump = new DateTimeOffset(2030, 3, 30, 3, 0, 0, TimeSpan.FromHours(1));
        var next = daily.GetNextOccurrence(beforeJump);

        Assert.Equal(new DateTimeOffset(2030, 4, 1, 2, 30, 0, TimeSpan.FromHours(2)), next);
        Assert.True(daily.AdjustForDst);
        Assert.False(TimerSchedule.Parse("01:00:00", berlin).AdjustForDst);
    }
}
