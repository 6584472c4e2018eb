using Azure.Storage.Queues;
using ServerlessTasks.Testing;

namespace LocalRuntime.Sqlite.Tests;

/// <summary>The Azurite fixture others build on: it answers, keeps data across a stop, and is gone after dispose.</summary>
public sealed class AzuriteFixtureTests
{
    [Fact]
    public async Task RestartAsync_AfterStop_KeepsPortsAndQueuedMessages()
    {
        await using var azurite = await AzuriteFixture.StartAsync();
        var queue = new QueueClient(azurite.ConnectionString, "fixture-test");
        await queue.CreateAsync();
        await queue.SendMessageAsync("hello");

        await azurite.StopAsync();
        Assert.False(azurite.IsRunning);
        await Assert.ThrowsAnyAsync<Exception>(() => new QueueClient(azurite.ConnectionString, "fixture-test", new QueueClientOptions { Retry = { MaxRetries = 0 } }).PeekMessageAsync());

        await azurite.RestartAsync();
        var peeked = await queue.PeekMessageAsync();

        Assert.Equal("hello", peeked.Value.Body.ToString());
    }

    [Fact]
    public async Task DisposeAsync_Running_KillsProcessAndDeletesFolder()
    {
        var azurite = await AzuriteFixture.StartAsync();
        var processId = azurite.ProcessId!.Value;
        var location = azurite.Location;

        await azurite.DisposeAsync();

        Assert.False(Directory.Exists(location));
        Assert.Throws<ArgumentException>(() => System.Diagnostics.Process.GetProcessById(processId));
    }
}
