using System.Net;
using System.Net.Sockets;
using Azure.Storage.Queues;
using ServerlessTasks.Testing;

namespace LocalRuntime.Queues.Tests;

/// <summary>The shared Azurite fixture: a port taken between picking it and Azurite's first start.</summary>
public sealed class AzuriteFixtureTests
{
    [Fact]
    public async Task FirstStart_PortTakenMeanwhile_PicksNewPortsAndAnswers()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var taken = ((IPEndPoint)squatter.LocalEndpoint).Port;
        await using var azurite = new AzuriteFixture { QueuePort = taken };

        await ((Xunit.IAsyncLifetime)azurite).InitializeAsync();

        Assert.NotEqual(taken, azurite.QueuePort);
        Assert.Contains("EADDRINUSE", azurite.Output, StringComparison.Ordinal);
        var queue = new QueueClient(azurite.ConnectionString, "probe");
        await queue.CreateIfNotExistsAsync();
        await queue.SendMessageAsync("hello");
        Assert.Equal("hello", (await queue.ReceiveMessageAsync()).Value.MessageText);
    }
}
