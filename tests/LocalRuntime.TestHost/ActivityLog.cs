using System.Globalization;
using System.Text;

namespace LocalRuntime.TestHost;

/// <summary>
/// The append-only record of every activity execution: <c>instance TAB task TAB process id</c>, one line each,
/// written (to the OS, which keeps it across kill -9) before the activity returns, so a test sees re-executions.
/// </summary>
public static class ActivityLog
{
    private static readonly Lock Gate = new();
    private static readonly FileStream? Stream = Open();

    /// <summary>How long each fan-out activity takes after logging (<c>TESTHOST_ACTIVITY_DELAY_MS</c>, default 10).</summary>
    public static int DelayMilliseconds { get; } =
        int.TryParse(Environment.GetEnvironmentVariable("TESTHOST_ACTIVITY_DELAY_MS"), CultureInfo.InvariantCulture, out var ms) ? ms : 10;

    /// <summary>Appends one line and flushes it to the OS.</summary>
    public static void Append(string instanceId, string task)
    {
        if (Stream is null)
        {
            return;
        }

        var line = Encoding.UTF8.GetBytes($"{instanceId}\t{task}\t{Environment.ProcessId}\n");
        lock (Gate)
        {
            Stream.Write(line);
            Stream.Flush();
        }
    }

    private static FileStream? Open()
    {
        var path = Environment.GetEnvironmentVariable("TESTHOST_ACTIVITY_LOG");
        return string.IsNullOrEmpty(path) ? null : new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
    }
}
