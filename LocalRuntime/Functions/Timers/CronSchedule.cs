using System.Globalization;

namespace LocalRuntime.Functions.Timers;

/// <summary>
/// An NCRONTAB schedule as Azure Functions timer triggers use it: six fields
/// <c>{second} {minute} {hour} {day} {month} {day-of-week}</c> (five fields mean second 0), each a
/// <c>*</c>, a value, a range <c>a-b</c>, a step <c>*/n</c>, <c>a-b/n</c> or <c>a/n</c>, or a comma list of those.
/// Months and days of the week may be named (<c>JAN</c>, <c>MON</c>); day-of-week 7 is Sunday. Times are UTC.
/// </summary>
/// <remarks>
/// As in NCrontab, an occurrence must match every field, day-of-month and day-of-week included
/// (classic cron's "either day field" rule does not apply).
/// </remarks>
public sealed class CronSchedule
{
    private static readonly string[] MonthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
    private static readonly string[] DayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

    /// <summary>How far ahead to look before deciding a schedule never fires (covers 29 February on a given weekday).</summary>
    private const int SearchYears = 30;

    private readonly ulong _seconds;
    private readonly ulong _minutes;
    private readonly ulong _hours;
    private readonly ulong _days;
    private readonly ulong _months;
    private readonly ulong _daysOfWeek;

    private CronSchedule(string expression, ulong[] fields)
    {
        Expression = expression;
        (_seconds, _minutes, _hours, _days, _months, _daysOfWeek) = (fields[0], fields[1], fields[2], fields[3], fields[4], fields[5]);
    }

    /// <summary>The expression this schedule was parsed from.</summary>
    public string Expression { get; }

    /// <summary>Parses an expression; throws <see cref="FormatException"/> naming the offending field.</summary>
    public static CronSchedule Parse(string expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        var parts = expression.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 5)
        {
            parts = ["0", .. parts];
        }

        if (parts.Length != 6)
        {
            throw new FormatException($"'{expression}' is not an NCRONTAB expression: expected six fields {{second}} {{minute}} {{hour}} {{day}} {{month}} {{day-of-week}}, got {parts.Length}.");
        }

        var fields = new[]
        {
            ParseField(parts[0], "second", 0, 59, null, expression),
            ParseField(parts[1], "minute", 0, 59, null, expression),
            ParseField(parts[2], "hour", 0, 23, null, expression),
            ParseField(parts[3], "day", 1, 31, null, expression),
            ParseField(parts[4], "month", 1, 12, MonthNames, expression),
            ParseField(parts[5], "day-of-week", 0, 7, DayNames, expression),
        };

        // 7 is Sunday too.
        if ((fields[5] & (1UL << 7)) != 0)
        {
            fields[5] = (fields[5] & ~(1UL << 7)) | 1UL;
        }

        return new CronSchedule(expression, fields);
    }

    /// <summary>Parses an expression; false when it is not valid.</summary>
    public static bool TryParse(string expression, out CronSchedule? schedule)
    {
        try
        {
            schedule = Parse(expression);
            return true;
        }
        catch (FormatException)
        {
            schedule = null;
            return false;
        }
    }

    /// <summary>The first occurrence strictly after <paramref name="after"/>; null when the schedule never fires again.</summary>
    public DateTimeOffset? GetNextOccurrence(DateTimeOffset after)
    {
        var utc = after.UtcDateTime;
        var t = new DateTime(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc).AddSeconds(1);
        var lastYear = utc.Year + SearchYears;
        while (t.Year <= lastYear)
        {
            if (!Has(_months, t.Month))
            {
                t = new DateTime(t.Year, t.Month, 1, 0, 0, 0, DateTimeKind.Utc).AddMonths(1);
            }
            else if (!Has(_days, t.Day) || !Has(_daysOfWeek, (int)t.DayOfWeek))
            {
                t = t.Date.AddDays(1);
            }
            else if (!Has(_hours, t.Hour))
            {
                t = new DateTime(t.Year, t.Month, t.Day, t.Hour, 0, 0, DateTimeKind.Utc).AddHours(1);
            }
            else if (!Has(_minutes, t.Minute))
            {
                t = new DateTime(t.Year, t.Month, t.Day, t.Hour, t.Minute, 0, DateTimeKind.Utc).AddMinutes(1);
            }
            else if (!Has(_seconds, t.Second))
            {
                t = t.AddSeconds(1);
            }
            else
            {
                return new DateTimeOffset(t);
            }
        }

        return null;
    }

    /// <summary>The occurrences after <paramref name="after"/> up to and including <paramref name="until"/>.</summary>
    public IEnumerable<DateTimeOffset> GetOccurrences(DateTimeOffset after, DateTimeOffset until)
    {
        var next = GetNextOccurrence(after);
        while (next is { } at && at <= until)
        {
            yield return at;
            next = GetNextOccurrence(at);
        }
    }

    /// <inheritdoc />
    public override string ToString() => Expression;

    private static bool Has(ulong bits, int value) => (bits & (1UL << value)) != 0;

    private static ulong ParseField(string text, string field, int min, int max, string[]? names, string expression)
    {
        ulong bits = 0;
        foreach (var item in text.Split(','))
        {
            if (item.Length == 0)
            {
                throw Bad(expression, field, text, "an empty list item");
            }

            var slash = item.IndexOf('/', StringComparison.Ordinal);
            var range = slash < 0 ? item : item[..slash];
            var step = 1;
            if (slash >= 0 && (!int.TryParse(item[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out step) || step < 1))
            {
                throw Bad(expression, field, text, $"step '{item[(slash + 1)..]}' is not a positive number");
            }

            int low, high;
            if (range is "*" or "?")
            {
                (low, high) = (min, max);
            }
            else
            {
                var dash = range.IndexOf('-', StringComparison.Ordinal);
                low = Value(dash < 0 ? range : range[..dash], field, min, max, names, expression, text);
                high = dash < 0 ? (slash < 0 ? low : max) : Value(range[(dash + 1)..], field, min, max, names, expression, text);
                if (high < low)
                {
                    throw Bad(expression, field, text, $"range {range} runs backwards");
                }
            }

            for (var v = low; v <= high; v += step)
            {
                bits |= 1UL << v;
            }
        }

        return bits;
    }

    private static int Value(string token, string field, int min, int max, string[]? names, string expression, string text)
    {
        if (int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            return value >= min && value <= max ? value : throw Bad(expression, field, text, $"{value} is outside {min}-{max}");
        }

        if (names is not null)
        {
            var index = Array.FindIndex(names, n => string.Equals(n, token, StringComparison.OrdinalIgnoreCase));
            if (index >= 0)
            {
                return index + min;
            }
        }

        throw Bad(expression, field, text, $"'{token}' is not a number{(names is null ? string.Empty : " or a name")}");
    }

    private static FormatException Bad(string expression, string field, string text, string why) =>
        new($"'{expression}': the {field} field '{text}' is invalid: {why}.");
}
