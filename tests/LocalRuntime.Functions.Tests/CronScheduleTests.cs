using System.Globalization;
using LocalRuntime.Functions.Timers;

namespace LocalRuntime.Functions.Tests;

public sealed class CronScheduleTests
{
    private static DateTimeOffset T(string iso) => DateTimeOffset.Parse(iso, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    [Theory]
    [InlineData("*/5 * * * * *", "2030-01-01T00:00:03Z", "2030-01-01T00:00:05Z")]
    [InlineData("*/5 * * * * *", "2030-01-01T00:00:05Z", "2030-01-01T00:00:10Z")]
    [InlineData("0 */5 * * * *", "2030-01-01T00:04:59Z", "2030-01-01T00:05:00Z")]
    [InlineData("0 0 * * * *", "2030-01-01T00:00:00Z", "2030-01-01T01:00:00Z")]
    [InlineData("0 30 9 * * 1-5", "2030-01-04T10:00:00Z", "2030-01-07T09:30:00Z")] // Friday after 9:30 -> Monday
    [InlineData("0 30 9 * * MON-FRI", "2030-01-04T10:00:00Z", "2030-01-07T09:30:00Z")]
    [InlineData("0 0 0 1 JAN,jul *", "2030-02-01T00:00:00Z", "2030-07-01T00:00:00Z")]
    [InlineData("0 0 12 * * SUN", "2030-01-01T00:00:00Z", "2030-01-06T12:00:00Z")]
    [InlineData("0 0 12 * * 7", "2030-01-01T00:00:00Z", "2030-01-06T12:00:00Z")] // 7 is Sunday too
    [InlineData("5,10,15 * * * * *", "2030-01-01T00:00:10Z", "2030-01-01T00:00:15Z")]
    [InlineData("10-20/5 * * * * *", "2030-01-01T00:00:16Z", "2030-01-01T00:00:20Z")]
    [InlineData("45/5 * * * * *", "2030-01-01T00:00:56Z", "2030-01-01T00:01:45Z")]
    [InlineData("0 0 0 29 2 *", "2030-01-01T00:00:00Z", "2032-02-29T00:00:00Z")] // next leap day
    [InlineData("0 0 0 31 * *", "2030-04-01T00:00:00Z", "2030-05-31T00:00:00Z")] // skips 30-day months
    [InlineData("0 0 0 13 * 5", "2030-01-01T00:00:00Z", "2030-09-13T00:00:00Z")] // both day fields must match (NCrontab)
    [InlineData("*/15 * * * *", "2030-01-01T00:07:00Z", "2030-01-01T00:15:00Z")] // five fields: second 0
    [InlineData("59 59 23 31 12 *", "2030-12-31T23:59:59Z", "2031-12-31T23:59:59Z")]
    public void GetNextOccurrence_Schedules_MatchesNCrontab(string expression, string after, string expected)
    {
        var schedule = CronSchedule.Parse(expression);

        Assert.Equal(T(expected), schedule.GetNextOccurrence(T(after)));
    }

    [Fact]
    public void GetNextOccurrence_SubSecondInput_IsStrictlyAfter()
    {
        var schedule = CronSchedule.Parse("* * * * * *");

        Assert.Equal(T("2030-01-01T00:00:01Z"), schedule.GetNextOccurrence(T("2030-01-01T00:00:00.5Z")));
    }

    [Fact]
    public void GetNextOccurrence_Impossible_ReturnsNull()
    {
        Assert.Null(CronSchedule.Parse("0 0 0 30 2 *").GetNextOccurrence(T("2030-01-01T00:00:00Z")));
    }

    [Fact]
    public void GetOccurrences_Range_ListsEach()
    {
        var all = CronSchedule.Parse("0 0 */6 * * *").GetOccurrences(T("2030-01-01T00:00:00Z"), T("2030-01-02T00:00:00Z")).ToList();

        Assert.Equal([T("2030-01-01T06:00:00Z"), T("2030-01-01T12:00:00Z"), T("2030-01-01T18:00:00Z"), T("2030-01-02T00:00:00Z")], all);
    }

    [Theory]
    [InlineData("* * * * *  * *", "six fields")]
    [InlineData("60 * * * * *", "second")]
    [InlineData("* * 24 * * *", "hour")]
    [InlineData("* * * 0 * *", "day")]
    [InlineData("* * * * 13 *", "month")]
    [InlineData("* * * * * 8", "day-of-week")]
    [InlineData("*/0 * * * * *", "step")]
    [InlineData("5-1 * * * * *", "backwards")]
    [InlineData("* * * * FOO *", "month")]
    [InlineData("1,,2 * * * * *", "empty")]
    public void Parse_Invalid_ThrowsNamingTheProblem(string expression, string mention)
    {
        var error = Assert.Throws<FormatException>(() => CronSchedule.Parse(expression));

        Assert.Contains(mention, error.Message, StringComparison.Ordinal);
        Assert.False(CronSchedule.TryParse(expression, out _));
    }
}
