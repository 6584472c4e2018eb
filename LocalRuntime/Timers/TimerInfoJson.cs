using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace LocalRuntime.Timers;

/// <summary>
/// The TimerInfo a worker receives, serialized as Microsoft's host serializes its TimerInfo:
/// <c>{"Schedule":{"AdjustForDST":true},"ScheduleStatus":{"Last","Next","LastUpdated"}|null,"IsPastDue":false}</c>,
/// times as ISO 8601 with the offset of the schedule's zone.
/// </summary>
internal static class TimerInfoJson
{
    public static string Write(TimerSchedule schedule, ScheduleStatus? status, bool isPastDue, TimeZoneInfo zone)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteStartObject("Schedule");
            json.WriteBoolean("AdjustForDST", schedule.AdjustForDst);
            json.WriteEndObject();
            if (status is null)
            {
                json.WriteNull("ScheduleStatus");
            }
            else
            {
                json.WriteStartObject("ScheduleStatus");
                json.WriteString("Last", Format(status.Last, zone));
                json.WriteString("Next", Format(status.Next, zone));
                json.WriteString("LastUpdated", Format(status.LastUpdated, zone));
                json.WriteEndObject();
            }

            json.WriteBoolean("IsPastDue", isPastDue);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>As Json.NET writes a local DateTime: no trailing zero fractions, the zone's offset (never: <c>0001-01-01T00:00:00+00:00</c>).</summary>
    internal static string Format(DateTimeOffset value, TimeZoneInfo zone)
    {
        var local = value == DateTimeOffset.MinValue || value == DateTimeOffset.MaxValue ? value : TimeZoneInfo.ConvertTime(value, zone);
        return local.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture);
    }
}
