using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace DurableBench;

/// <summary>
/// Azurite from the repo's node_modules (npm ci) on free loopback ports with its own temp folder, started as the tests'
/// AzuriteFixture starts it (loose, no API version check, no telemetry, silent); killed by its process id with the bench.
/// </summary>
internal sealed class Azurite : IDisposable
{
    private const string Key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private readonly Process _process;
    private readonly string _folder;

    private Azurite(Process process, string folder, int blob, int queue, int table)
    {
        _process = process;
        _folder = folder;
        ConnectionString =
            $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={Key};" +
            $"BlobEndpoint=http://127.0.0.1:{blob}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{queue}/devstoreaccount1;" +
            $"TableEndpoint=http://127.0.0.1:{table}/devstoreaccount1;";
    }

    public string ConnectionString { get; }

    public int ProcessId => _process.Id;

    /// <summary>CPU time Azurite (node) used so far.</summary>
    public TimeSpan Cpu
    {
        get
        {
            _process.Refresh();
            return _process.HasExited ? TimeSpan.Zero : _process.TotalProcessorTime;
        }
    }

    /// <summary>Starts Azurite; <paramref name="inMemory"/> = <c>--inMemoryPersistence</c> (nothing on disk; lost when it stops).</summary>
    public static async Task<Azurite> StartAsync(bool inMemory = false)
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "ServerlessTasks.sln")))
        {
            root = root.Parent;
        }

        var script = Path.Combine(root?.FullName ?? ".", "node_modules", "azurite", "dist", "src", "azurite.js");
        if (!File.Exists(script))
        {
            throw new InvalidOperationException($"{script} is missing: run npm ci in the repo root.");
        }

        int[] ports = [FreePort(), FreePort(), FreePort()];
        var folder = Path.Combine(Path.GetTempPath(), "durablebench-azurite-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        var start = new ProcessStartInfo("node") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = folder };
        foreach (var a in new[]
                 {
                     script, "--silent", "--loose", "--skipApiVersionCheck", "--disableTelemetry",
                     "--blobHost", "127.0.0.1", "--blobPort", Text(ports[0]),
                     "--queueHost", "127.0.0.1", "--queuePort", Text(ports[1]),
                     "--tableHost", "127.0.0.1", "--tablePort", Text(ports[2]),
                 })
        {
            start.ArgumentList.Add(a);
        }

        // Azurite refuses --location with --inMemoryPersistence; its working directory is the temp folder either way.
        start.ArgumentList.Add(inMemory ? "--inMemoryPersistence" : "--location");
        if (!inMemory)
        {
            start.ArgumentList.Add(folder);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var azurite = new Azurite(process, folder, ports[0], ports[1], ports[2]);
        var deadline = Waits.Deadline(TimeSpan.FromSeconds(60));
        foreach (var port in ports)
        {
            while (true)
            {
                try
                {
                    using var tcp = new TcpClient();
                    await tcp.ConnectAsync(IPAddress.Loopback, port);
                    break;
                }
                catch (SocketException) when (Stopwatch.GetTimestamp() < deadline && !process.HasExited)
                {
                    await Task.Delay(50);
                }
            }
        }

        return azurite;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless.
        }
    }

    private static string Text(int port) => port.ToString(CultureInfo.InvariantCulture);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
