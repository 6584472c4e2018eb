using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ServerlessTasks.Testing;

/// <summary>
/// A process a test starts (<c>dotnet some.dll</c>) listening on a loopback port: its output kept for failure
/// messages, waited for with deadlines, killed with SIGKILL by its own process id. Linked into the test projects
/// that run hosts out of process (crash tests).
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ChildProcess(Process process, int port)
    {
        _process = process;
        Port = port;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
    }

    public int Port { get; }

    public HttpClient Http { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The last of what the process wrote, for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.Length > 4000 ? _output.ToString(_output.Length - 4000, 4000) : _output.ToString();
            }
        }
    }

    /// <summary>A <c>dotnet</c> start of <paramref name="assembly"/> with its output redirected; add arguments and environment, then <see cref="StartAsync"/>.</summary>
    public static ProcessStartInfo DotnetStart(string assembly, string workingDirectory)
    {
        Assert.True(File.Exists(assembly), $"{assembly} was not built.");
        var dotnet = Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";
        var start = new ProcessStartInfo(dotnet)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        start.ArgumentList.Add(assembly);
        return start;
    }

    /// <summary>Starts the process and waits (bounded) until <paramref name="path"/> answers 200 on <paramref name="port"/>.</summary>
    public static async Task<ChildProcess> StartAsync(ProcessStartInfo start, int port, string path, TimeSpan within)
    {
        ArgumentNullException.ThrowIfNull(start);
        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        var child = new ChildProcess(process, port);
        process.OutputDataReceived += (_, e) => child.Append(e.Data);
        process.ErrorDataReceived += (_, e) => child.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await child.WaitUntilListeningAsync(path, within);
        }
        catch
        {
            await child.DisposeAsync();
            throw;
        }

        return child;
    }

    /// <summary>A port nobody listens on now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>SIGKILL (on Linux) to this process and anything it started; waits until it is gone.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        Assert.True(_process.WaitForExit(10_000), $"the killed process (pid {ProcessId}) did not exit");
    }

    /// <summary>Waits (bounded) until the process has exited.</summary>
    public async Task WaitForExitAsync(TimeSpan within)
    {
        using var deadline = new CancellationTokenSource(within);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"the process (pid {ProcessId}) did not exit within {within}: {Output}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private async Task WaitUntilListeningAsync(string path, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            Assert.False(_process.HasExited, $"The process exited with {(_process.HasExited ? _process.ExitCode : 0)}: {Output}");
            try
            {
                using var response = await Http.GetAsync(path);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            Assert.True(DateTime.UtcNow < deadline, $"The process did not answer HTTP on port {Port} within {within}: {Output}");
            await Task.Delay(50);
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
            if (_output.Length > 64_000)
            {
                _output.Remove(0, _output.Length - 16_000);
            }
        }
    }
}
