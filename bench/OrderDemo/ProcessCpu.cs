using System.Globalization;

namespace OrderDemo;

/// <summary>
/// CPU seconds (user + system, from <c>/proc/{pid}/stat</c>) of the host and its worker (the host's child processes),
/// and the 1-minute load average: wall time is inflated by whatever else the machine runs, CPU seconds much less.
/// </summary>
internal static class ProcessCpu
{
    private const double TicksPerSecond = 100; // USER_HZ on Linux

    /// <summary>CPU seconds of <paramref name="pid"/> and of its direct children; zeros when /proc is not there.</summary>
    public static (double Host, double Workers) Of(int pid)
    {
        double Seconds(string stat)
        {
            // Fields after the command (in parentheses, may hold spaces): state is field 3, utime 14, stime 15.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
        }

        int Parent(string stat) => int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);

        try
        {
            var host = Seconds(File.ReadAllText($"/proc/{pid}/stat"));
            double workers = 0;
            foreach (var folder in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(folder), out _))
                {
                    continue;
                }

                try
                {
                    var stat = File.ReadAllText(Path.Combine(folder, "stat"));
                    if (Parent(stat) == pid)
                    {
                        workers += Seconds(stat);
                    }
                }
                catch (IOException)
                {
                    // Gone meanwhile.
                }
            }

            return (host, workers);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return (0, 0);
        }
    }

    /// <summary>The 1-minute load average, or null.</summary>
    public static double? LoadAverage()
    {
        try
        {
            return double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }
}
