namespace LocalRuntime.Timers;

/// <summary>Where timers keep their schedule status and which zone schedules run in.</summary>
public sealed class TimersOptions
{
    /// <summary>The host's data folder (<c>LocalRuntime:DataPath</c>, default <c>.data</c>); status files go under <c>timers/</c>.</summary>
    public string DataPath { get; set; } = ".data";

    /// <summary>
    /// The zone NCRONTAB schedules are evaluated in: <c>WEBSITE_TIME_ZONE</c> when set (as in Azure), else the host
    /// <see cref="TimeProvider"/>'s local zone (on Linux <c>TZ</c>, usually UTC).
    /// </summary>
    public string? TimeZone { get; set; }

    /// <summary>The folder holding one status file per timer.</summary>
    public string StatusFolder => Path.Combine(Path.GetFullPath(DataPath), "timers");
}
