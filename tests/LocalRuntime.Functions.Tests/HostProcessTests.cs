using System.Diagnostics;
using System.Text.RegularExpressions;
using ServerlessTasks.Testing;

namespace LocalRuntime.Functions.Tests;

/// <summary>The LocalRuntime.Host exe as a child process: SIGKILL of the host takes its worker along; SIGTERM stops it in order.</summary>
public sealed partial class HostProcessTests
{
    [Fact]
    public async Task KillHost_WithSigkill_ItsWorkerIsGoneWithinADeadline()
    {
        await using var host = await StartHostAsync();
        var worker = await WorkerPidAsync(host);
        Assert.True(ProcessState.IsRunning(worker));

        // SIGKILL to the host alone (not its process tree): no code of the host runs, only the kernel can end the worker.
        Process.GetProcessById(host.ProcessId).Kill(entireProcessTree: false);
        await host.WaitForExitAsync(TimeSpan.FromSeconds(10));

        await ProcessState.WaitUntilGoneAsync(worker, TimeSpan.FromSeconds(5), () => host.Output);
    }

    [Fact]
    public async Task Sigterm_Host_StopsTheWorkerWithWorkerTerminateAndExitsZero()
    {
        await using var host = await StartHostAsync();
        var worker = await WorkerPidAsync(host);

        using (var kill = Process.Start("kill", ["-TERM", host.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        await host.WaitForExitAsync(TimeSpan.FromSeconds(20));
        await ProcessState.WaitUntilGoneAsync(worker, TimeSpan.FromSeconds(5), () => host.Output);
        Assert.Contains($"The worker (pid {worker}) exited after WorkerTerminate.", host.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("outlived its grace period", host.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_PrintsTheFunctionRoutesLikeFuncStart()
    {
        await using var host = await StartHostAsync();

        await Eventually.WaitAsync(() => host.Output.Contains("ready. Press Ctrl+C to stop.", StringComparison.Ordinal), TimeSpan.FromSeconds(10), () => host.Output);
        Assert.Contains($"Hello: [GET,POST] http://localhost:{host.Port}/api/Hello", host.Output, StringComparison.Ordinal);
        Assert.Contains($"Product: [GET] http://localhost:{host.Port}/api/products/{{category:alpha}}/{{id:int?}}", host.Output, StringComparison.Ordinal);
        Assert.Contains("EchoActivity: activityTrigger", host.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_NotAnAppFolder_FailsClearly()
    {
        var empty = Directory.CreateTempSubdirectory("not-an-app").FullName;
        try
        {
            var start = ChildProcess.DotnetStart(TestPaths.HostExecutable, empty);
            start.ArgumentList.Add(empty);
            using var process = Process.Start(start)!;
            var stderr = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();

            Assert.Equal(1, process.ExitCode);
            Assert.StartsWith($"'{empty}' is not a built Functions app: it has no functions.metadata.", stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(empty);
        }
    }

    private static async Task<ChildProcess> StartHostAsync()
    {
        var port = ChildProcess.FreePort();
        var start = ChildProcess.DotnetStart(TestPaths.HostExecutable, TestPaths.HostTestApp);
        start.ArgumentList.Add(TestPaths.HostTestApp);
        start.ArgumentList.Add("--port");
        start.ArgumentList.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return await ChildProcess.StartAsync(start, port, "/api/Ping", TimeSpan.FromSeconds(90));
    }

    private static async Task<int> WorkerPidAsync(ChildProcess host)
    {
        await Eventually.WaitAsync(() => WorkerStarted().IsMatch(host.Output), TimeSpan.FromSeconds(10), () => host.Output);
        var match = WorkerStarted().Match(host.Output);
        Assert.True(match.Success, host.Output);
        return int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    // The route table's last line (the start-up log lines may have scrolled out of the kept output).
    [GeneratedRegex(@"Worker process (\d+) ready\.")]
    private static partial Regex WorkerStarted();
}
