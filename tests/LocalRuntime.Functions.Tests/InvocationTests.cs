using LocalRuntime.Functions.Rpc;

namespace LocalRuntime.Functions.Tests;

/// <summary>Handshake, metadata and invocation through IFunctionsHost against the real worker.</summary>
public sealed class InvocationTests
{
    [Fact]
    public async Task InvokeAsync_EchoActivity_ReturnsTheInputAsReturnValue()
    {
        await using var app = await TestHost.StartAsync();
        var function = app.Host.GetFunction("EchoActivity");

        var response = await app.Host.InvokeAsync(function, new TypedData { String = "\"hello\"" }, null, CancellationToken.None);

        Assert.Equal(StatusResult.Types.Status.Success, response.Result.Status);
        Assert.Equal("hello", response.ReturnValue.String);
    }
}
