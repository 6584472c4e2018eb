using System.Globalization;
using System.Text;

namespace DurableTestApp;

/// <summary>
/// The append-only record of activity executions (<c>instance TAB item TAB process id</c>), written to the file named by
/// <c>TESTAPP_ACTIVITY_LOG</c> before the activity returns, so a test sees re-executions across kills.
/// </summary>
public static class ActivityLog
{
    private static readonly Lock Gate = new();
    private static readonly FileStream? Stream = Open();

    /// <summary>How long each <c>Work</c> activity takes (<c>TESTAPP_ACTIVITY_DELAY_MS</c>, default 0).</summary>
    public static int DelayMilliseconds { get; } =
        int.TryParse(Environment.GetEnvironmentVariable("TESTAPP_ACTIVITY_DELAY_MS"), CultureInfo.InvariantCulture, out var ms) ? ms : 0;

    /// <summary>Appends one line and flushes it to the OS.</summary>
    public static void Append(string instanceId, string item)
    {
        if (Stream is null)
        {
            return;
        }

        var line = Encoding.UTF8.GetBytes($"{instanceId}\t{item}\t{Environment.ProcessId}\n");
        lock (Gate)
        {
            Stream.Write(line);
            Stream.Flush();
        }
    }

    private static FileStream? Open()
    {
        var path = Environment.GetEnvironmentVariable("TESTAPP_ACTIVITY_LOG");
        return string.IsNullOrEmpty(path) ? null : new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
    }
}
