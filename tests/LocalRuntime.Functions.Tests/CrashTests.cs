using System.Diagnostics;
using System.Net;
using LocalRuntime.Functions.Extensibility;
using LocalRuntime.Functions.Rpc;

namespace LocalRuntime.Functions.Tests;

/// <summary>The worker killed with SIGKILL: in-flight work fails fast, the host restarts the worker, work flows again.</summary>
public sealed class CrashTests
{
    [Fact]
    public async Task KillWorker_InvocationInFlight_FailsFastWithWorkerUnavailable()
    {
        await using var app = await TestHost.StartAsync();
        var slow = app.Host.InvokeAsync(app.Host.GetFunction("SlowActivity"), new TypedData { String = "\"s\"" }, null, CancellationToken.None);
        await Eventually.WaitAsync(() => app.Host.Services.GetInFlight() == 1, TimeSpan.FromSeconds(10));

        Process.GetProcessById(app.Host.Worker.ProcessId).Kill();
        var failed = await Record.ExceptionAsync(() => slow.WaitAsync(TimeSpan.FromSeconds(5)));

        Assert.IsType<WorkerUnavailableException>(failed);
    }

    [Fact]
    public async Task KillWorker_HostRestartsIt_AndHttpAndInvocationsWorkAgain()
    {
        await using var app = await TestHost.StartAsync();
        var first = app.Host.Worker.ProcessId;

        Process.GetProcessById(first).Kill();
        await Eventually.WaitAsync(() => app.Host.Worker.IsReady && app.Host.Worker.ProcessId != first, TimeSpan.FromSeconds(30), () => app.Logs.Tail());

        Assert.Equal(2, app.Host.Worker.StartCount);
        Assert.False(ProcessState.IsRunning(first));
        Assert.Equal("Hello, again", await app.Http.GetStringAsync("api/Hello?name=again"));
        var response = await app.Host.InvokeAsync(app.Host.GetFunction("EchoActivity"), new TypedData { String = "\"after\"" }, null, CancellationToken.None);
        Assert.Equal("after", response.ReturnValue.String);
        await app.Logs.WaitForAsync(l => l.Message.StartsWith($"Worker (pid {first}) lost:", StringComparison.Ordinal), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task KillWorker_HttpRequestInFlight_Gets503ProblemNotAHang()
    {
        await using var app = await TestHost.StartAsync();
        var request = app.Http.GetAsync("api/Slow?marker=crash");
        await app.Logs.WaitForAsync(l => l.Message == "Slow started crash", TimeSpan.FromSeconds(10));
        var started = Stopwatch.StartNew();

        Process.GetProcessById(app.Host.Worker.ProcessId).Kill();
        using var response = await request.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(started.Elapsed < TimeSpan.FromSeconds(5), $"took {started.Elapsed}");
        await HttpProxyTests.AssertProblemAsync(response, HttpStatusCode.ServiceUnavailable, "/api/Slow");
    }

    [Fact]
    public async Task KillWorker_InvocationsArrivingDuringTheRestart_WaitAndSucceed()
    {
        await using var app = await TestHost.StartAsync();
        var first = app.Host.Worker.ProcessId;
        var function = app.Host.GetFunction("EchoActivity");

        Process.GetProcessById(first).Kill();
        await Eventually.WaitAsync(() => !app.Host.Worker.IsReady, TimeSpan.FromSeconds(10));
        var waiting = Enumerable.Range(0, 20).Select(i => app.Host.InvokeAsync(function, new TypedData { String = $"\"w{i}\"" }, null, CancellationToken.None)).ToArray();
        var responses = await Task.WhenAll(waiting).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"w{i}"), responses.Select(r => r.ReturnValue.String));
        Assert.NotEqual(first, app.Host.Worker.ProcessId);
    }

    [Fact]
    public async Task HungWorker_StatusRequestUnanswered_IsKilledAndRestarted()
    {
        await using var app = await TestHost.StartAsync(b => b.ConfigureOptions(o =>
        {
            o.WorkerProbeInterval = TimeSpan.FromMilliseconds(200);
            o.WorkerProbeTimeout = TimeSpan.FromSeconds(1);
        }));
        var first = app.Host.Worker.ProcessId;

        // SIGSTOP: the process lives and its stream stays open, but it answers nothing.
        using (var stop = Process.Start("kill", ["-STOP", first.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await stop.WaitForExitAsync();
        }

        await Eventually.WaitAsync(() => app.Host.Worker.IsReady && app.Host.Worker.ProcessId != first, TimeSpan.FromSeconds(30), () => app.Logs.Tail());
        Assert.False(ProcessState.IsRunning(first));
        await app.Logs.WaitForAsync(l => l.Message.StartsWith($"The worker (pid {first}) left a WorkerStatusRequest unanswered", StringComparison.Ordinal), TimeSpan.FromSeconds(5));
        Assert.Equal("Hello, probe", await app.Http.GetStringAsync("api/Hello?name=probe"));
    }

    [Fact]
    public async Task KillWorker_WaitingCallerCancels_StopsWaiting()
    {
        // A worker that can never start again: the restart fails (its dll is gone in a copy of the app) and the caller's token ends the wait.
        var copy = AppCopy.Create();
        try
        {
            await using var app = await TestHost.StartAsync(b => b.ConfigureOptions(o => o.InitialRestartDelay = TimeSpan.FromSeconds(5)), copy.Args);
            File.Move(Path.Combine(copy.Path, "HostTestApp.dll"), Path.Combine(copy.Path, "HostTestApp.dll.moved"));
            Process.GetProcessById(app.Host.Worker.ProcessId).Kill();
            await Eventually.WaitAsync(() => !app.Host.Worker.IsReady, TimeSpan.FromSeconds(10));
            using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
                app.Host.InvokeAsync(app.Host.GetFunction("EchoActivity"), new TypedData { String = "\"x\"" }, null, cancel.Token).WaitAsync(TimeSpan.FromSeconds(10)));
        }
        finally
        {
            copy.Delete();
        }
    }
}
