using System.Text.Json;

namespace ServerlessTasks.ReferenceWorker.Tests;

public sealed class TaskHandlersTests
{
    private static JsonElement Payload(string json) => JsonDocument.Parse(json).RootElement.Clone();

    [Fact]
    public async Task Run_Resize_HalvesByDefault()
    {
        var result = await TaskHandlers.RunAsync("resize", Payload("""{"width":640,"height":480,"duration_ms":0}"""), "w1", 2, CancellationToken.None);

        Assert.Equal(320, (int)result!["width"]!);
        Assert.Equal(240, (int)result["height"]!);
        Assert.Equal("w1", (string)result["worker_id"]!);
        Assert.Equal(2, (int)result["attempt"]!);
    }

    [Fact]
    public async Task Run_UnknownType_EchoesPayload()
    {
        var result = await TaskHandlers.RunAsync("processing", Payload("""{"data":"sample","duration_ms":0}"""), "w1", 1, CancellationToken.None);

        Assert.Equal("sample", (string)result!["echo"]!["data"]!);
    }

    [Fact]
    public async Task Run_FailRequested_ThrowsWithRetryableFlag()
    {
        var retryable = await Assert.ThrowsAsync<TaskFailure>(() => TaskHandlers.RunAsync("transcode", Payload("""{"fail":true,"duration_ms":0}"""), "w1", 1, CancellationToken.None));
        var final = await Assert.ThrowsAsync<TaskFailure>(() => TaskHandlers.RunAsync("transcode", Payload("""{"fail":true,"retryable":false,"duration_ms":0}"""), "w1", 1, CancellationToken.None));

        Assert.True(retryable.Retryable);
        Assert.False(final.Retryable);
    }

    [Fact]
    public async Task Run_Hash_Sha256OfText()
    {
        var result = await TaskHandlers.RunAsync("hash", Payload("""{"text":"abc","duration_ms":0}"""), "w1", 1, CancellationToken.None);

        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", (string)result!["sha256"]!);
    }
}
