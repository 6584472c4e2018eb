using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ServerlessTasks.Tests.Callbacks;

/// <summary>
/// The real app as a child process (<c>dotnet ServerlessTasks.dll</c> from this test's output folder, where the
/// project reference puts it with its runtimeconfig, deps and host.json) on a loopback port, its SQLite stores in
/// one folder (also its working directory, so its content root: nothing lands in the build output), with
/// <see cref="CallbackAppHost.Secret"/> and short webhook settings. Killed with SIGKILL by its own process id.
/// </summary>
public sealed class AppProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private AppProcess(Process process, int port)
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

    /// <summary>The app's entry assembly, next to this test assembly.</summary>
    public static string AssemblyPath => typeof(LocalProgram).Assembly.Location;

    /// <summary>Starts the app on the stores in <paramref name="folder"/> and waits (bounded) until it answers HTTP.</summary>
    public static async Task<AppProcess> StartAsync(string folder, params string[] extra)
    {
        Assert.True(File.Exists(AssemblyPath), $"The app was not built at {AssemblyPath}.");
        Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(AssemblyPath)!, "host.json")), "host.json is not next to the app.");
        var port = FreePort();
        var dotnet = Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";
        var start = new ProcessStartInfo(dotnet)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // The content root: relative store paths (none here) would land in the folder; host.json is found
            // next to the app (AppContext.BaseDirectory) when the content root has none.
            WorkingDirectory = folder,
        };
        start.ArgumentList.Add(AssemblyPath);
        foreach (var argument in (string[])
        [
            "--urls", $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}",
            "--AzureFunctionsJobHost:extensions:durableTask:storageProvider:type", "sqlite",
            "--AzureFunctionsJobHost:extensions:durableTask:storageProvider:path", Path.Combine(folder, "d.db"),
            "--TaskIndex:Provider", "sqlite",
            "--TaskIndex:Path", Path.Combine(folder, "t.db"),
            "--Webhooks:StorePath", Path.Combine(folder, "c.db"),
            "--Webhooks:Secrets", CallbackAppHost.Secret,
            "--Webhooks:MaxAttempts", "3",
            "--Webhooks:InitialDelaySeconds", "1",
            "--Webhooks:MaxDelaySeconds", "2",
            "--Webhooks:TimeoutSeconds", "15",
            .. extra,
        ])
        {
            start.ArgumentList.Add(argument);
        }

        // Development: loopback callback targets are allowed, and with no function keys configured /api is open.
        start.Environment["AZURE_FUNCTIONS_ENVIRONMENT"] = "Development";

        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        var app = new AppProcess(process, port);
        process.OutputDataReceived += (_, e) => app.Append(e.Data);
        process.ErrorDataReceived += (_, e) => app.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        try
        {
            await app.WaitUntilListeningAsync(TimeSpan.FromSeconds(30));
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return app;
    }

    /// <summary>SIGKILL (on Linux) to this process and anything it started; waits until it is gone.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        Assert.True(_process.WaitForExit(10_000), $"the killed app (pid {ProcessId}) did not exit");
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
            Assert.Fail($"the app (pid {ProcessId}) did not exit within {within}: {Output}");
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

    private async Task WaitUntilListeningAsync(TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            Assert.False(_process.HasExited, $"The app exited with {(_process.HasExited ? _process.ExitCode : 0)}: {Output}");
            try
            {
                using var response = await Http.GetAsync("/runtime/webhooks/durabletask/instances?top=1");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            Assert.True(DateTime.UtcNow < deadline, $"The app did not answer HTTP on port {Port} within {within}: {Output}");
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

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
