using LocalRuntime.Functions.Rpc;
using Microsoft.Extensions.Logging;

namespace LocalRuntime.Functions.Tests;

/// <summary>The worker's RpcLog messages in the host's logs, filtered by host.json logging.logLevel (and its overrides).</summary>
public sealed class LoggingTests
{
    [Fact]
    public async Task Logs_FunctionLogs_ArriveUnderTheFunctionsCategoryFilteredByDefaultLevel()
    {
        await using var app = await TestHost.StartAsync();

        Assert.Equal("m1", await app.Http.GetStringAsync("api/Logs?marker=m1"));

        var error = await app.Logs.WaitForAsync(l => l.Message == "error m1", TimeSpan.FromSeconds(5));
        var mine = app.Logs.Lines.Where(l => l.Message.EndsWith(" m1", StringComparison.Ordinal)).ToArray();
        Assert.Equal(["information m1", "warning m1", "error m1"], mine.Select(l => l.Message));
        Assert.Equal([LogLevel.Information, LogLevel.Warning, LogLevel.Error], mine.Select(l => l.Level));
        Assert.All(mine, l => Assert.Equal("Function.Logs.User", l.Category));
        Assert.Equal("Function.Logs.User", error.Category);
    }

    [Fact]
    public async Task Logs_CategoryLevelInHostJson_FiltersThatFunctionOnly()
    {
        await using var app = await TestHost.StartAsync();

        await app.Http.GetStringAsync("api/Quiet?marker=q1");

        await app.Logs.WaitForAsync(l => l.Message == "quiet warning q1", TimeSpan.FromSeconds(5));
        Assert.DoesNotContain(app.Logs.Lines, l => l.Message == "quiet information q1");
    }

    [Fact]
    public async Task Logs_LevelOverriddenOnTheCommandLine_WinsOverHostJson()
    {
        await using var app = await TestHost.StartAsync(null, "--AzureFunctionsJobHost:logging:logLevel:Function.Logs=Error", "--AzureFunctionsJobHost:logging:logLevel:Function.Quiet=Debug");

        await app.Http.GetStringAsync("api/Logs?marker=m2");
        await app.Http.GetStringAsync("api/Quiet?marker=q2");

        await app.Logs.WaitForAsync(l => l.Message == "error m2", TimeSpan.FromSeconds(5));
        await app.Logs.WaitForAsync(l => l.Message == "quiet information q2", TimeSpan.FromSeconds(5));
        Assert.DoesNotContain(app.Logs.Lines, l => l.Message == "warning m2" || l.Message == "information m2");
    }

    [Fact]
    public async Task Logs_FailedInvocation_CarriesTheWorkersException()
    {
        await using var app = await TestHost.StartAsync();

        await app.Host.InvokeAsync(app.Host.GetFunction("FailingActivity"), new TypedData { String = "\"boom\"" }, null, CancellationToken.None);

        var line = await app.Logs.WaitForAsync(l => l.Category == "Function.FailingActivity.User" && l.Exception is not null, TimeSpan.FromSeconds(5));
        Assert.Contains("FailingActivity failed for boom", line.Exception!.Message, StringComparison.Ordinal);
        Assert.Contains("ActivityFunctions.FailingActivity", line.Exception.StackTrace, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stop_Graceful_SendsWorkerTerminateAndTheWorkerExitsByItself()
    {
        var app = await TestHost.StartAsync();
        var worker = app.Host.Worker.ProcessId;

        await app.Host.StopAsync();
        await app.DisposeAsync();

        Assert.Contains(app.Logs.Lines, l => l.Message == $"The worker (pid {worker}) exited after WorkerTerminate.");
        Assert.DoesNotContain(app.Logs.Lines, l => l.Message.Contains("outlived its grace period", StringComparison.Ordinal));
        await ProcessState.WaitUntilGoneAsync(worker, TimeSpan.FromSeconds(5));
    }
}
