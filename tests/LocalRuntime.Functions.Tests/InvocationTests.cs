using LocalRuntime.Functions.Rpc;

namespace LocalRuntime.Functions.Tests;

/// <summary>Invocations through IFunctionsHost.InvokeAsync against the real worker: results, failures, cancellation, concurrency.</summary>
public sealed class InvocationTests(SharedHostFixture fixture) : IClassFixture<SharedHostFixture>
{
    private TestHost App => fixture.App;

    [Fact]
    public async Task InvokeAsync_EchoActivity_ReturnsTheInputAsReturnValue()
    {
        var function = App.Host.GetFunction("EchoActivity");

        var response = await App.Host.InvokeAsync(function, new TypedData { String = "\"hello\"" }, null, CancellationToken.None);

        Assert.Equal(StatusResult.Types.Status.Success, response.Result.Status);
        Assert.Equal("hello", response.ReturnValue.String);
    }

    [Fact]
    public async Task InvokeAsync_FunctionThrows_IsAFailureResponseWithTheException()
    {
        var function = App.Host.GetFunction("FailingActivity");

        var response = await App.Host.InvokeAsync(function, new TypedData { String = "\"x1\"" }, null, CancellationToken.None);

        Assert.Equal(StatusResult.Types.Status.Failure, response.Result.Status);
        Assert.Contains("FailingActivity failed for x1", response.Result.Exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_ManyConcurrent_EachGetsItsOwnResult()
    {
        var function = App.Host.GetFunction("EchoActivity");

        var responses = await Task.WhenAll(Enumerable.Range(0, 300).Select(i =>
            App.Host.InvokeAsync(function, new TypedData { String = $"\"v{i}\"" }, null, CancellationToken.None)));

        Assert.Equal(Enumerable.Range(0, 300).Select(i => $"v{i}"), responses.Select(r => r.ReturnValue.String));
    }

    [Fact]
    public async Task InvokeAsync_CallerCancels_ThrowsAtOnceAndTheWorkerIsToldToCancel()
    {
        await using var app = await TestHost.StartAsync(null, "--AzureFunctionsJobHost:logging:logLevel:LocalRuntime.Functions.Worker=Debug");
        var function = app.Host.GetFunction("SlowActivity");
        using var cancel = new CancellationTokenSource();
        var invocation = app.Host.InvokeAsync(function, new TypedData { String = "\"slow\"" }, null, cancel.Token);

        // Cancelled once the worker runs the activity, not on a fixed timer: under load a timer could fire before the request
        // left the host (nothing is sent then), or before the worker took it (the worker handles each message on its own
        // thread-pool item, and a cancel for an invocation it has not registered yet is dropped).
        await app.Logs.WaitForAsync(l => l.Message == "SlowActivity started slow", TimeSpan.FromSeconds(30));
        Assert.False(invocation.IsCompleted);
        cancel.Cancel();

        // At once: the caller gets the host's own cancellation, without waiting for the worker's answer.
        var thrown = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => invocation);
        Assert.EndsWith("of SlowActivity was cancelled.", thrown.Message, StringComparison.Ordinal);

        // The worker answers the InvocationCancel (the activity would otherwise wait a minute): its late response is noticed and dropped.
        await app.Logs.WaitForAsync(l => l.Message.Contains("no longer waited for", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task InvokeAsync_AlreadyCancelled_ThrowsWithoutInvoking()
    {
        var function = App.Host.GetFunction("EchoActivity");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => App.Host.InvokeAsync(function, new TypedData { String = "\"x\"" }, null, new CancellationToken(canceled: true)));
    }
}
