using System.Text.Json;
using Google.Protobuf;
using LocalRuntime.Functions.Extensibility;
using LocalRuntime.Functions.Rpc;

namespace LocalRuntime.Queues.Tests;

/// <summary>Queue output bindings written through the extension, whatever triggered the function.</summary>
public sealed class QueueOutputTests
{
    private static FunctionBinding Output(string name, string queueName) =>
        new(name, "queue", BindingDirection.Out, JsonSerializer.SerializeToElement(new { name, type = "queue", direction = "Out", queueName }));

    private static InvocationContext Context() =>
        new(new FunctionDescriptor("Http", "id", "Tests.Http", []), "inv-1", null);

    public static TheoryData<string, TypedData, string[]> Values => new()
    {
        { "string", new TypedData { String = "plain text" }, ["plain text"] },
        { "json object", new TypedData { Json = """{"id":1}""" }, ["""{"id":1}"""] },
        { "json array", new TypedData { Json = """[{"id":1},"two",3,null]""" }, ["""{"id":1}""", "two", "3"] },
        { "string that is a json array", new TypedData { String = """["a","b"]""" }, ["a", "b"] },
        { "string collection", new TypedData { CollectionString = new CollectionString { String = { "x", "y" } } }, ["x", "y"] },
        { "null", new TypedData(), [] },
    };

    [Theory]
    [MemberData(nameof(Values))]
    public async Task WriteOutput_Value_SendsThoseMessagesInOrder(string what, TypedData value, string[] expected)
    {
        await using var h = await QueueHarness.StartAsync(new QueuesOptions());

        await h.Extension.WriteOutputAsync(Output("$return", "out-q"), value, Context(), CancellationToken.None);

        Assert.True(expected.SequenceEqual((await h.Sqlite.PeekAllAsync("out-q")).Select(m => m.Text)), what);
    }

    [Fact]
    public async Task WriteOutput_Bytes_OneBinaryMessage()
    {
        await using var h = await QueueHarness.StartAsync(new QueuesOptions());

        await h.Extension.WriteOutputAsync(Output("blob", "bytes-q"), new TypedData { Bytes = ByteString.CopyFrom(0, 200, 7) }, Context(), CancellationToken.None);

        Assert.Equal(new byte[] { 0, 200, 7 }, Assert.Single(await h.Sqlite.PeekAllAsync("bytes-q")).Body.ToArray());
    }

    [Fact]
    public async Task WriteOutput_ToATriggeredQueue_WakesItsListener()
    {
        await using var h = await QueueHarness.StartAsync(new QueuesOptions(), FakeFunctionsHost.QueueFunction("Next", "next-step"));

        await h.Extension.WriteOutputAsync(Output("$return", "next-step"), new TypedData { String = "go" }, Context(), CancellationToken.None);

        await Eventually.TrueAsync(() => h.Host.Invocations.Count == 1, "the output did not trigger the next function");
        Assert.Equal("go", h.Host.Invocations[0].Text);
    }

    [Fact]
    public async Task WriteOutput_InvalidQueueName_Throws()
    {
        await using var h = await QueueHarness.StartAsync(new QueuesOptions());

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            h.Extension.WriteOutputAsync(Output("$return", "x"), new TypedData { String = "m" }, Context(), CancellationToken.None));

        Assert.Contains("not a valid queue name", error.Message, StringComparison.Ordinal);
    }
}
