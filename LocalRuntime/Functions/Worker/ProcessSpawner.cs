using System.Collections.Concurrent;
using System.Diagnostics;

namespace LocalRuntime.Functions.Worker;

/// <summary>
/// Starts worker processes from one dedicated, long-lived thread.
/// </summary>
/// <remarks>
/// On Linux the worker is started through <c>setpriv --pdeathsig KILL</c>, so the kernel kills it when its parent goes,
/// including on <c>kill -9</c> of the host, where no code of ours runs. The "parent" of that signal is the <em>thread</em>
/// that forked: .NET forks on the calling thread, and a thread-pool thread that retires would take the worker with it.
/// Hence this thread, which lives as long as the host (it is ended only after the workers are gone). A stdin-pipe
/// watchdog would need a wrapper process reading the pipe (the worker itself never reads stdin) and one more process
/// per worker; PDEATHSIG needs neither and also covers the host crashing, not only exiting. Elsewhere (no setpriv), the
/// worker is started directly and only the host's orderly stop ends it.
/// </remarks>
internal sealed class ProcessSpawner : IDisposable
{
    /// <summary>Where util-linux's setpriv is on Debian and most distributions.</summary>
    public const string SetprivPath = "/usr/bin/setpriv";

    private readonly BlockingCollection<(Process Process, TaskCompletionSource Started)> _requests = new();
    private readonly Thread _thread;

    public ProcessSpawner()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "LocalRuntime worker spawner" };
        _thread.Start();
    }

    /// <summary>Whether started processes die with the host (Linux with setpriv).</summary>
    public static bool SupportsParentDeathSignal => OperatingSystem.IsLinux() && File.Exists(SetprivPath);

    /// <summary>
    /// Rewrites <paramref name="start"/> (executable + arguments) to run under <c>setpriv --pdeathsig KILL</c> where that
    /// is available. setpriv sets the signal and then execs the worker, so the process id stays the worker's.
    /// </summary>
    public static void WrapForParentDeath(ProcessStartInfo start)
    {
        ArgumentNullException.ThrowIfNull(start);
        if (!SupportsParentDeathSignal)
        {
            return;
        }

        var executable = start.FileName;
        var arguments = start.ArgumentList.ToArray();
        start.FileName = SetprivPath;
        start.ArgumentList.Clear();
        start.ArgumentList.Add("--pdeathsig");
        start.ArgumentList.Add("KILL");
        start.ArgumentList.Add("--");
        start.ArgumentList.Add(executable);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
    }

    /// <summary>Starts <paramref name="process"/> (and its output readers) on the spawner thread.</summary>
    public Task StartAsync(Process process)
    {
        ArgumentNullException.ThrowIfNull(process);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _requests.Add((process, started));
        return started.Task;
    }

    /// <summary>Ends the thread; on Linux its children get SIGKILL, so call it only once they are stopped.</summary>
    public void Dispose()
    {
        _requests.CompleteAdding();
        _thread.Join(TimeSpan.FromSeconds(5));
        _requests.Dispose();
    }

    private void Run()
    {
        foreach (var (process, started) in _requests.GetConsumingEnumerable())
        {
            try
            {
                process.Start();
                if (process.StartInfo.RedirectStandardOutput)
                {
                    process.BeginOutputReadLine();
                }

                if (process.StartInfo.RedirectStandardError)
                {
                    process.BeginErrorReadLine();
                }

                started.SetResult();
            }
            catch (Exception ex)
            {
                started.SetException(ex);
            }
        }
    }
}
