using System.Diagnostics;
using System.Reflection;

namespace ServerlessTasks.Tests.Workers;

/// <summary>
/// The reference worker program as a child process (<c>dotnet ServerlessTasks.ReferenceWorker.dll --worker-id ...</c>),
/// every line it writes kept (its leases with their tokens, its outcomes), killable with SIGKILL by PID.
/// </summary>
public sealed class ReferenceWorkerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];

    private ReferenceWorkerProcess(Process process) => _process = process;

    /// <summary>The worker program's build output.</summary>
    public static string Assembly => typeof(ReferenceWorkerProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "ReferenceWorker").Value!;

    /// <summary>Its PID.</summary>
    public int ProcessId => _process.Id;

    /// <summary>Whether it has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Every line it wrote so far.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    /// <summary>Starts a worker against <paramref name="url"/>.</summary>
    public static ReferenceWorkerProcess Start(Uri url, string workerId, string capabilities, int maxConcurrent = 4, double waitSeconds = 5)
    {
        ArgumentNullException.ThrowIfNull(url);
        Assert.True(File.Exists(Assembly), $"{Assembly} was not built.");
        var dotnet = Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";
        var start = new ProcessStartInfo(dotnet) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])[Assembly, "--worker-id", workerId, "--capabilities", capabilities, "--url", url.ToString(),
            "--max-concurrent", maxConcurrent.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--wait-seconds", waitSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        var worker = new ReferenceWorkerProcess(process);
        process.OutputDataReceived += (_, e) => worker.Append(e.Data);
        process.ErrorDataReceived += (_, e) => worker.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return worker;
    }

    /// <summary>SIGKILL by PID; waits until it is gone.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        Assert.True(_process.WaitForExit(10_000), $"the killed worker (pid {ProcessId}) did not exit");
    }

    /// <summary>SIGSTOP, then (bounded) until its output stops growing, then SIGKILL: its written lines are then all it did.</summary>
    public async Task StopAndKillAsync()
    {
        using (var stop = Process.Start("kill", ["-STOP", ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await stop.WaitForExitAsync();
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        for (var (count, stable) = (Lines.Count, 0); stable < 3 && DateTime.UtcNow < deadline; stable = Lines.Count == count ? stable + 1 : 0, count = Lines.Count)
        {
            await Task.Delay(100); // polling the pipe's drain, bounded
        }

        Kill();
    }

    /// <summary>SIGTERM (a drain), then waits for the exit (bounded).</summary>
    public async Task<int> TerminateAsync(TimeSpan within)
    {
        using (var kill = Process.Start("kill", ["-TERM", ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var deadline = new CancellationTokenSource(within);
        await _process.WaitForExitAsync(deadline.Token);
        return _process.ExitCode;
    }

    /// <summary>The last lines, for failure messages.</summary>
    public string Tail(int count = 20) => string.Join(Environment.NewLine, Lines.TakeLast(count));

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lines)
        {
            _lines.Add(line);
        }
    }
}
