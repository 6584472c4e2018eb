using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ServerlessTasks.Testing;

/// <summary>
/// Azurite (the Azure Storage emulator, from the repo's <c>node_modules</c>, installed by <c>npm ci</c>) on free
/// loopback ports with its own temporary folder. Use it as an xunit class or collection fixture, or create one with
/// <see cref="StartAsync"/>. <see cref="StopAsync"/> and <see cref="RestartAsync"/> keep the ports and the folder,
/// so fault tests can take storage away and bring it back with its data; <see cref="DisposeAsync"/> kills the process
/// tree by its id and deletes the folder. Linked into test projects like <c>ChildProcess.cs</c>.
/// </summary>
/// <remarks>
/// Started with <c>--loose --skipApiVersionCheck --disableTelemetry</c> (newer SDKs send API versions Azurite may not
/// know yet; no telemetry leaves this machine) and without its access log; what it prints is kept in
/// <see cref="Output"/> for failure messages.
/// </remarks>
public sealed class AzuriteFixture : IAsyncLifetime, IAsyncDisposable
{
    /// <summary>The emulator's well-known account name.</summary>
    public const string AccountName = "devstoreaccount1";

    /// <summary>The emulator's well-known (public) account key.</summary>
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    // Seconds when the machine is quiet; a clean-clone run at load average 60 saw Azurite listening but not answering for over a minute.
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);
    private readonly StringBuilder _output = new();
    private readonly string _script;
    private Process? _process;
    private bool _answered;

    /// <summary>Picks ports and a folder; nothing runs until <see cref="InitializeAsync"/> (xunit calls it) or <see cref="StartAsync"/>.</summary>
    public AzuriteFixture()
    {
        _script = FindAzuriteScript();
        BlobPort = FreePort();
        QueuePort = FreePort();
        TablePort = FreePort();
        Location = Path.Combine(Path.GetTempPath(), "azurite-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Location);
    }

    public int BlobPort { get; private set; }

    public int QueuePort { get; internal set; }

    public int TablePort { get; private set; }

    /// <summary>Azurite's data folder (<c>--location</c>), kept across <see cref="StopAsync"/>/<see cref="RestartAsync"/>.</summary>
    public string Location { get; }

    /// <summary>A full connection string with explicit blob, queue and table endpoints and the development account key.</summary>
    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};" +
        $"BlobEndpoint=http://127.0.0.1:{BlobPort}/{AccountName};" +
        $"QueueEndpoint=http://127.0.0.1:{QueuePort}/{AccountName};" +
        $"TableEndpoint=http://127.0.0.1:{TablePort}/{AccountName};";

    /// <summary>Whether the Azurite process is running now.</summary>
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The process id while it runs (to stop it from outside, e.g. with SIGSTOP).</summary>
    public int? ProcessId => IsRunning ? _process!.Id : null;

    /// <summary>The last of what Azurite printed, for failure messages.</summary>
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

    /// <summary>Starts a new Azurite and waits (bounded) until all three services answer.</summary>
    public static async Task<AzuriteFixture> StartAsync()
    {
        var azurite = new AzuriteFixture();
        try
        {
            await azurite.RestartAsync();
        }
        catch
        {
            await azurite.DisposeAsync();
            throw;
        }

        return azurite;
    }

    /// <inheritdoc />
    public Task InitializeAsync() => RestartAsync();

    /// <summary>
    /// Stops Azurite, keeping its folder: SIGTERM so it saves its metadata (its in-memory stores flush every few
    /// seconds otherwise), then SIGKILL to the process tree if it has not exited within 10 s.
    /// </summary>
    public async Task StopAsync()
    {
        if (_process is null)
        {
            return;
        }

        if (!_process.HasExited)
        {
            Signal(_process.Id, "TERM");
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }

        _process.Dispose();
        _process = null;
    }

    /// <summary>Kills Azurite at once (SIGKILL to its process tree), as a crash would; its folder stays.</summary>
    public async Task KillAsync()
    {
        if (_process is null)
        {
            return;
        }

        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        _process = null;
    }

    /// <summary>(Re)starts Azurite on the same ports and folder and waits (bounded) until all three services answer.</summary>
    /// <remarks>
    /// A free port is only free when it is picked: before Azurite first answers, something else (another test's
    /// listener, an outgoing connection's ephemeral port) may take it, and Azurite exits with EADDRINUSE. Nobody holds
    /// the connection string yet, so the first start picks new ports and tries again; a restart keeps its ports.
    /// </remarks>
    public async Task RestartAsync()
    {
        for (var attempt = 1; ; attempt++)
        {
            var printed = OutputLength;
            try
            {
                await StartProcessAsync();
                _answered = true;
                return;
            }
            catch (InvalidOperationException) when (!_answered && attempt < 5 && OutputSince(printed).Contains("EADDRINUSE", StringComparison.Ordinal))
            {
                BlobPort = FreePort();
                QueuePort = FreePort();
                TablePort = FreePort();
            }
        }
    }

    private async Task StartProcessAsync()
    {
        await StopAsync();
        var start = new ProcessStartInfo("node")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Location,
        };
        foreach (var argument in new[]
                 {
                     _script, "--location", Location, "--silent", "--loose", "--skipApiVersionCheck", "--disableTelemetry",
                     "--blobHost", "127.0.0.1", "--blobPort", Port(BlobPort),
                     "--queueHost", "127.0.0.1", "--queuePort", Port(QueuePort),
                     "--tableHost", "127.0.0.1", "--tablePort", Port(TablePort),
                 })
        {
            start.ArgumentList.Add(argument);
        }

        Append($"-- starting Azurite on blob {BlobPort}, queue {QueuePort}, table {TablePort}");
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("Azurite needs Node.js ('node' on PATH): " + e.Message, e);
        }

        _process = process;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await WaitUntilAnsweringAsync(process);
    }

    /// <summary>Kills the process tree by its id and deletes the folder.</summary>
    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        try
        {
            Directory.Delete(Location, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless.
        }
    }

    /// <inheritdoc />
    async Task IAsyncLifetime.DisposeAsync() => await DisposeAsync();

    private static string Port(int port) => port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string FindAzuriteScript()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "ServerlessTasks.sln")))
        {
            directory = directory.Parent;
        }

        if (directory is null)
        {
            throw new InvalidOperationException($"ServerlessTasks.sln not found above {AppContext.BaseDirectory}; cannot find Azurite.");
        }

        var script = Path.Combine(directory.FullName, "node_modules", "azurite", "dist", "src", "azurite.js");
        if (!File.Exists(script))
        {
            throw new InvalidOperationException($"Azurite is not installed ({script} is missing): run npm ci in {directory.FullName}.");
        }

        return script;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void Signal(int processId, string signal)
    {
        // .NET has no SIGTERM API; kill(1) sends it to exactly this id.
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-" + signal, Port(processId) }, UseShellExecute = false });
        kill?.WaitForExit(5_000);
    }

    private async Task WaitUntilAnsweringAsync(Process process)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        foreach (var port in new[] { BlobPort, QueuePort, TablePort })
        {
            while (true)
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"Azurite exited with {process.ExitCode} while starting: {Output}");
                }

                try
                {
                    // Any HTTP answer (an auth error for an unsigned request) means the service is up.
                    using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/{AccountName}?comp=list"));
                    break;
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }
                catch (TaskCanceledException)
                {
                    // Listening but not answering yet.
                }

                if (deadline.Elapsed > StartTimeout)
                {
                    throw new TimeoutException($"Azurite did not answer on port {port} within {StartTimeout}: {Output}");
                }

                await Task.Delay(50);
            }
        }
    }

    private int OutputLength
    {
        get
        {
            lock (_output)
            {
                return _output.Length;
            }
        }
    }

    // What was printed after the mark (everything kept, if the buffer was trimmed since).
    private string OutputSince(int mark)
    {
        lock (_output)
        {
            return mark <= _output.Length ? _output.ToString(mark, _output.Length - mark) : _output.ToString();
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
