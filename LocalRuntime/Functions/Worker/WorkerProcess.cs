using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace LocalRuntime.Functions.Worker;

/// <summary>One running worker process: its output goes to the host's logs (category <c>Worker.Console</c>), its exit is observed at once.</summary>
internal sealed partial class WorkerProcess : IDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ILogger _console;
    private readonly Queue<string> _lastLines = new();

    private WorkerProcess(Process process, string workerId, ILogger console)
    {
        _process = process;
        WorkerId = workerId;
        _console = console;
        process.EnableRaisingEvents = true;
        process.OutputDataReceived += (_, e) => OnLine(e.Data, isError: false);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data, isError: true);
        process.Exited += (_, _) => _exited.TrySetResult(SafeExitCode());
    }

    public string WorkerId { get; }

    public int ProcessId { get; private set; }

    /// <summary>The command line it was started with (executable first), for diagnostics and tests.</summary>
    public IReadOnlyList<string> CommandLine { get; private set; } = [];

    /// <summary>Completes with the exit code when the process has exited.</summary>
    public Task<int> Exited => _exited.Task;

    public bool HasExited => _exited.Task.IsCompleted;

    /// <summary>The last lines the worker wrote, for failure messages.</summary>
    public string RecentOutput
    {
        get
        {
            lock (_lastLines)
            {
                return string.Join(Environment.NewLine, _lastLines);
            }
        }
    }

    public static async Task<WorkerProcess> StartAsync(ProcessSpawner spawner, ProcessStartInfo start, string workerId, ILogger console)
    {
        ArgumentNullException.ThrowIfNull(spawner);
        ArgumentNullException.ThrowIfNull(start);
        start.UseShellExecute = false;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.RedirectStandardInput = false;
        var worker = new WorkerProcess(new Process { StartInfo = start }, workerId, console)
        {
            CommandLine = [start.FileName, .. start.ArgumentList],
        };
        await spawner.StartAsync(worker._process).ConfigureAwait(false);
        worker.ProcessId = worker._process.Id;
        return worker;
    }

    /// <summary>SIGKILL to the worker (and anything it started); returns when it has exited or after <paramref name="within"/>.</summary>
    public async Task KillAsync(TimeSpan within, TimeProvider time)
    {
        if (!HasExited)
        {
            try
            {
                _process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Exited meanwhile.
            }
        }

        await Task.WhenAny(Exited, Task.Delay(within, time)).ConfigureAwait(false);
    }

    public void Dispose() => _process.Dispose();

    private int SafeExitCode()
    {
        try
        {
            return _process.ExitCode;
        }
        catch (InvalidOperationException)
        {
            return -1;
        }
    }

    private void OnLine(string? line, bool isError)
    {
        if (line is null)
        {
            return;
        }

        lock (_lastLines)
        {
            _lastLines.Enqueue(line);
            if (_lastLines.Count > 30)
            {
                _lastLines.Dequeue();
            }
        }

        if (isError)
        {
            LogStandardError(_console, ProcessId, line);
        }
        else
        {
            LogStandardOutput(_console, ProcessId, line);
        }
    }

    [LoggerMessage(EventId = 1301, Level = LogLevel.Information, Message = "[worker {ProcessId}] {Line}")]
    private static partial void LogStandardOutput(ILogger logger, int processId, string line);

    [LoggerMessage(EventId = 1302, Level = LogLevel.Warning, Message = "[worker {ProcessId} stderr] {Line}")]
    private static partial void LogStandardError(ILogger logger, int processId, string line);
}
