using System.Diagnostics;
using System.Globalization;
using ServerlessTasks.Testing;

namespace ServerlessTasks.Tests.Callbacks;

/// <summary>
/// The local host's program as a child process (<c>dotnet LocalRuntime.Host.dll &lt;app folder&gt; --port N</c>, what a
/// developer runs) serving the app's build output, its stores all in one folder (also its working directory), with
/// <see cref="CallbackAppHost.Secret"/> and short webhook settings. The host starts the app's worker as its own child.
/// </summary>
public static class AppProcess
{
    /// <summary>Starts the host on the stores in <paramref name="folder"/> and waits (bounded) until Durable answers HTTP.</summary>
    public static Task<ChildProcess> StartAsync(string folder, params string[] extra)
    {
        var port = ChildProcess.FreePort();
        var start = ChildProcess.DotnetStart(TestPaths.HostExecutable, folder);
        string[] worker =
        [
            "TaskIndex__Provider", "sqlite",
            "TaskIndex__Path", Path.Combine(folder, "tasks.db"),
            "Webhooks__StorePath", Path.Combine(folder, "callbacks.db"),
            "Webhooks__Secrets", CallbackAppHost.Secret,
            "Webhooks__MaxAttempts", "3",
            "Webhooks__InitialDelaySeconds", "1",
            "Webhooks__MaxDelaySeconds", "2",
            "Webhooks__TimeoutSeconds", "15",
        ];
        foreach (var argument in (string[])
        [
            TestPaths.App,
            "--port", port.ToString(CultureInfo.InvariantCulture),
            "--LocalRuntime:DataPath", folder,
            .. worker.Chunk(2).SelectMany(s => new[] { $"--LocalRuntime:Host:WorkerEnvironment:{s[0]}", s[1] }),
            .. extra,
        ])
        {
            start.ArgumentList.Add(argument);
        }

        // Development: loopback callback targets are allowed, and with no function keys configured /api is open.
        start.Environment["AZURE_FUNCTIONS_ENVIRONMENT"] = "Development";
        return ChildProcess.StartAsync(start, port, "/runtime/webhooks/durabletask/instances?top=1", TimeSpan.FromSeconds(90));
    }

    /// <summary>The worker processes the host started (its children running the app's dll).</summary>
    public static IReadOnlyList<int> WorkerProcessIds(ChildProcess host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var workers = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                // "pid (comm) state ppid ...": the parent id is the second field after the last ')'.
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var parent = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
                if (parent == host.ProcessId && File.ReadAllText(Path.Combine(directory, "cmdline")).Contains("ServerlessTasks.dll", StringComparison.Ordinal))
                {
                    workers.Add(pid);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
                // Gone meanwhile, or not ours to read.
            }
        }

        return workers;
    }

    /// <summary>SIGKILL to the host alone (not its process tree): whatever it started must die with it on its own.</summary>
    public static void KillHostOnly(ChildProcess host)
    {
        ArgumentNullException.ThrowIfNull(host);
        using var process = Process.GetProcessById(host.ProcessId);
        process.Kill(entireProcessTree: false);
    }

    /// <summary>Whether a process is still running (gone, or a zombie waiting to be reaped, counts as dead).</summary>
    public static bool IsRunning(int processId)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{processId}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] is not ('Z' or 'X');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
