using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace OrderDemo;

/// <summary>
/// The local host exe as a child process on a loopback port (<c>dotnet LocalRuntime.Host.dll &lt;app folder&gt; --port N</c>),
/// its output appended to <c>host.log</c> in its data folder; killed with SIGKILL by its own process id.
/// </summary>
internal sealed class HostProcess : IAsyncDisposable
{
    private readonly ProcessStartInfo _start;
    private readonly StreamWriter _log;
    private Process? _process;

    public HostProcess(string hostDll, string appDirectory, string folder, int port, IEnumerable<KeyValuePair<string, string>> workerSettings, IEnumerable<KeyValuePair<string, string>> environment)
    {
        Port = port;
        _start = new ProcessStartInfo(Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = folder,
        };
        foreach (var argument in (string[])[hostDll, appDirectory, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--LocalRuntime:DataPath", folder])
        {
            _start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in workerSettings)
        {
            _start.ArgumentList.Add($"--LocalRuntime:Host:WorkerEnvironment:{name}");
            _start.ArgumentList.Add(value);
        }

        foreach (var (name, value) in environment)
        {
            _start.Environment[name] = value;
        }

        _log = new StreamWriter(Path.Combine(folder, "host.log"), append: true) { AutoFlush = true };
    }

    public int Port { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");

    public int? ProcessId => _process?.Id;

    /// <summary>A free loopback port.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Starts the host and waits (bounded) until Durable answers HTTP.</summary>
    public async Task StartAsync(TimeSpan within)
    {
        var process = new Process { StartInfo = _start };
        process.OutputDataReceived += (_, e) => Write(e.Data);
        process.ErrorDataReceived += (_, e) => Write(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The host exited with {process.ExitCode}; see host.log.");
            }

            try
            {
                using var response = await http.GetAsync(new Uri("/runtime/webhooks/durabletask/instances?top=1", UriKind.Relative));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The host did not answer within {within.TotalSeconds} s; see host.log.");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>SIGKILL to the host alone: its worker dies with it (the host starts it with a parent-death signal).</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: false);
            await process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false } process)
        {
            // Ctrl+C style stop first (drains in-flight work), SIGKILL if it does not go within 30 s.
            using (var interrupt = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await interrupt.WaitForExitAsync();
            }

            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await process.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        _process?.Dispose();
        await _log.DisposeAsync();
    }

    private void Write(string? line)
    {
        if (line is not null)
        {
            lock (_log)
            {
                _log.WriteLine(line);
            }
        }
    }
}
