using System.Text.Json;
using LocalRuntime.Functions.Extensibility;
using LocalRuntime.Functions.Grpc;
using LocalRuntime.Functions.Hosting;
using LocalRuntime.Functions.Rpc;
using Microsoft.Extensions.Logging.Abstractions;
using Moq;

namespace LocalRuntime.Functions.Tests;

/// <summary>How the invoker assembles inputs and writes outputs through the extensions that own their types (unit seam: Moq'd extensions).</summary>
public sealed class FunctionInvokerTests
{
    private static readonly FunctionDescriptor Function = new("Relay", "id-1", "App.Relay", [
        Binding("item", "queueTrigger", "In"),
        Binding("client", "durableClient", "In"),
        Binding("blob", "blob", "In"),
        Binding("$return", "queue", "Out"),
        Binding("audit", "queue", "Out"),
        Binding("other", "table", "Out"),
    ]);

    [Fact]
    public void CreateRequest_TriggerAndExtensionInputs_AreBoundByName_UnknownTypesSkipped()
    {
        var extension = new Mock<IHostExtension>();
        extension.SetupGet(e => e.InputBindingTypes).Returns(["durableClient"]);
        extension.SetupGet(e => e.OutputBindingTypes).Returns([]);
        extension.Setup(e => e.BindInput(It.Is<FunctionBinding>(b => b.Name == "client"), It.IsAny<InvocationContext>())).Returns(new TypedData { String = "client-payload" });
        var invoker = CreateInvoker(extension.Object);
        var context = new InvocationContext(Function, "inv-1", null);

        var request = invoker.CreateRequest(new LoadedFunction(Function, NullLogger.Instance), context, new TypedData { String = "msg" }, new Dictionary<string, TypedData> { ["Id"] = new() { String = "42" } });

        Assert.Equal("inv-1", request.InvocationId);
        Assert.Equal("id-1", request.FunctionId);
        Assert.Equal(["item", "client"], request.InputData.Select(i => i.Name));
        Assert.Equal("msg", request.InputData[0].Data.String);
        Assert.Equal("client-payload", request.InputData[1].Data.String);
        Assert.Equal("42", request.TriggerMetadata["Id"].String);
        Assert.NotNull(request.TraceContext);
    }

    [Fact]
    public async Task WriteOutputsAsync_Success_WritesReturnValueAndNamedOutputsItOwns()
    {
        var written = new List<(string Name, string Value)>();
        var extension = QueueExtension(written);
        var invoker = CreateInvoker(extension.Object);
        var response = new InvocationResponse { Result = new StatusResult { Status = StatusResult.Types.Status.Success }, ReturnValue = new TypedData { String = "returned" } };
        response.OutputData.Add(new ParameterBinding { Name = "audit", Data = new TypedData { Json = "{\"a\":1}" } });
        response.OutputData.Add(new ParameterBinding { Name = "other", Data = new TypedData { String = "not ours" } });

        await invoker.WriteOutputsAsync(response, new InvocationContext(Function, "inv-2", null), CancellationToken.None);

        Assert.Equal([("$return", "returned"), ("audit", "{\"a\":1}")], written);
    }

    [Fact]
    public async Task WriteOutputsAsync_FailedInvocation_WritesNothing()
    {
        var written = new List<(string Name, string Value)>();
        var invoker = CreateInvoker(QueueExtension(written).Object);
        var response = new InvocationResponse { Result = new StatusResult { Status = StatusResult.Types.Status.Failure }, ReturnValue = new TypedData { String = "returned" } };

        await invoker.WriteOutputsAsync(response, new InvocationContext(Function, "inv-3", null), CancellationToken.None);

        Assert.Empty(written);
    }

    [Fact]
    public async Task WriteOutputsAsync_EmptyReturnValue_IsNotWritten()
    {
        var written = new List<(string Name, string Value)>();
        var invoker = CreateInvoker(QueueExtension(written).Object);
        var response = new InvocationResponse { Result = new StatusResult { Status = StatusResult.Types.Status.Success }, ReturnValue = new TypedData() };

        await invoker.WriteOutputsAsync(response, new InvocationContext(Function, "inv-4", null), CancellationToken.None);

        Assert.Empty(written);
    }

    private static Mock<IHostExtension> QueueExtension(List<(string Name, string Value)> written)
    {
        var extension = new Mock<IHostExtension>();
        extension.SetupGet(e => e.InputBindingTypes).Returns([]);
        extension.SetupGet(e => e.OutputBindingTypes).Returns(["queue"]);
        extension.Setup(e => e.WriteOutputAsync(It.IsAny<FunctionBinding>(), It.IsAny<TypedData>(), It.IsAny<InvocationContext>(), It.IsAny<CancellationToken>()))
            .Callback<FunctionBinding, TypedData, InvocationContext, CancellationToken>((b, v, _, _) => written.Add((b.Name, v.String.Length > 0 ? v.String : v.Json)))
            .Returns(Task.CompletedTask);
        return extension;
    }

    private static FunctionInvoker CreateInvoker(IHostExtension extension) =>
        new(null!, [extension]);

    private static FunctionBinding Binding(string name, string type, string direction)
    {
        using var document = JsonDocument.Parse($$"""{"name":"{{name}}","type":"{{type}}","direction":"{{direction}}"}""");
        return new FunctionBinding(name, type, direction == "Out" ? BindingDirection.Out : BindingDirection.In, document.RootElement.Clone());
    }
}
