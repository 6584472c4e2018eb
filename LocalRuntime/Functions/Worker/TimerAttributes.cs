namespace Microsoft.Azure.Functions.Worker;

/// <summary>Triggers a function on a six-field NCRONTAB schedule.</summary>
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class TimerTriggerAttribute : Attribute
{
    /// <summary>Creates the attribute.</summary>
    public TimerTriggerAttribute(string schedule) => Schedule = schedule;

    /// <summary>The schedule (<c>{second} {minute} {hour} {day} {month} {day-of-week}</c>) or <c>%AppSetting%</c>.</summary>
    public string Schedule { get; }

    /// <summary>Whether to run once when the host starts.</summary>
    public bool RunOnStartup { get; set; }

    /// <summary>Whether to persist schedule status to detect missed runs.</summary>
    public bool UseMonitor { get; set; } = true;
}

/// <summary>What a timer function learns about its schedule.</summary>
public class TimerInfo
{
    /// <summary>The schedule status, when monitored.</summary>
    public ScheduleStatus? ScheduleStatus { get; set; }

    /// <summary>Whether this run is later than scheduled.</summary>
    public bool IsPastDue { get; set; }
}

/// <summary>Last and next occurrences of a schedule.</summary>
public class ScheduleStatus
{
    /// <summary>The last occurrence.</summary>
    public DateTime Last { get; set; }

    /// <summary>The next occurrence.</summary>
    public DateTime Next { get; set; }

    /// <summary>When this status was last updated.</summary>
    public DateTime LastUpdated { get; set; }
}
